param($Context)
# Runs only when the batch is large (see 'if' in workflow.yml).
Write-Warning "Large batch: $($Context.steps.split.count) images"
@{ notified = $true }
