param($Context)
Start-Sleep -Milliseconds 100
$objects = 0
foreach ($d in $Context.steps.detect) { $objects += $d.objects }
@{ frames = @($Context.steps.detect).Count; objects = $objects }
