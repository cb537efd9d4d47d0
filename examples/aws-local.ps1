# The example pipeline in an AWS region, on this machine: S3 and SQS from fauxqs on loopback.
# Start fauxqs first and point the AWS SDK at it (the README's "Try a region on this machine"):
#   npm ci --prefix tools/fauxqs; node tools/fauxqs/server.mjs 4566 &
#   $env:AWS_ENDPOINT_URL = 'http://127.0.0.1:4566'
#   $env:AWS_ACCESS_KEY_ID = 'test'; $env:AWS_SECRET_ACCESS_KEY = 'test'
# Against real AWS, leave AWS_ENDPOINT_URL unset and use your own credentials.
$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot
$region = 'aws:us-east-1'

# The package goes to S3, a task queue and a dead-letter queue are made in SQS.
$workflow = Publish-Workflow "$here/image-pipeline" -Region $region -Force -Verbose
$workflow | Out-Default

# Runs are written to the region's bucket and their first steps sent to the queue; nothing runs yet.
$runs = 1..5 | ForEach-Object { Start-WorkflowRun $workflow.WorkflowId -Region $region -Argument @{ count = 4 } }
$runs | Out-Default

# A worker takes the region's tasks. Here it stops after the runs' 35 tasks (5 runs of split,
# 4 resizes, notify and report); without -MaxTasks it runs until Ctrl+C or Stop-Job, and more
# workers can run in other sessions and on other machines.
Start-WorkflowWorker -Region $region -Concurrency 4 -MaxTasks 35 | Out-Default

# The runs' state and logs, pulled from the bucket into the local store, read as local runs are.
$runs | Wait-WorkflowRun -Timeout 60 | Out-Default
Sync-WorkflowLog $workflow.WorkflowId | Out-Default
$runs[0] | Receive-WorkflowRun | Out-Default
Get-WorkflowLog -RunId $runs[0].RunId | Out-Default

# Nothing waits in the dead-letter queue.
Get-WorkflowDeadLetter -WorkflowId $workflow.WorkflowId | Out-Default
