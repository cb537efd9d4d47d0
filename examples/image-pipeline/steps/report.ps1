param($Context)
# Fan-in: reads every resized image; 'notify' may have been skipped ($null).
$resized = @($Context.steps.resize)
$saved = 0
foreach ($image in $resized) { $saved += $image.saved }
[pscustomobject]@{
    Images      = $resized.Count
    PixelsSaved = $saved
    Notified    = [bool]$Context.steps.notify.notified
    RunId       = $Context.context.runId
}
