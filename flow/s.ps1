param($Context) Start-Sleep -Milliseconds 300; @{ n = 1 }
