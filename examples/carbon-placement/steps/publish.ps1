param($Context)
Write-Verbose "publishing from $($Context.context.region)"
$Context.steps.summarize
