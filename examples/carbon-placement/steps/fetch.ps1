param($Context)
Start-Sleep -Milliseconds 200
@{ frames = @(1..4 | ForEach-Object { "frame-$_" }) }
