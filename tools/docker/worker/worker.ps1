# The worker image's entrypoint: Start-WorkflowWorker with the arguments given to the container.
#
#   docker run -d -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY workflow/worker -Region aws:us-east-1 -Bucket my-bucket -Verbose
#
# Every argument goes to Start-WorkflowWorker as written; -?, --help or -h shows its help. The
# environment passes through (AWS_*, WORKFLOW_AWS_BUCKET, the workflows' secrets). The container
# exits 0 when the worker stops (docker stop sends SIGTERM: the worker takes no more tasks, puts the
# ones it is running back on the queue and prints its counts; or after -MaxTasks) and 1 when it
# fails (bad arguments, credentials, endpoint), with the error and its ErrorId on one stderr line.
# (Plain comments, not comment-based help: that would make pwsh answer -? with this script's help.)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue' # a container's log is no terminal to draw progress bars on
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' } # no colour codes in docker logs
Import-Module Workflow.PowerShell
if ($args -contains '--help' -or $args -contains '-h') { Get-Help Start-WorkflowWorker; return }
try {
    # The counts as a list, not the table: a container's log is 80 columns wide and would cut its last columns.
    Start-WorkflowWorker @args | ForEach-Object { if ($_ -is [Workflow.Model.WorkerInfo]) { $_ | Format-List } else { $_ } }
}
catch {
    [Console]::Error.WriteLine("Start-WorkflowWorker: $($_.Exception.Message) ($($_.FullyQualifiedErrorId -replace ',.*'))")
    exit 1
}
