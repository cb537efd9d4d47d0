# The Lambda-hosted worker's runtime side, without a control plane: the module's lambda/bootstrap
# runs under @vercel/fun (an independent Lambda Runtime API), S3 and SQS are fauxqs on loopback, and
# the test plays the event-source mapping: it receives a queue's messages and invokes the function
# with them as an SQS event. fauxqs, node or fun missing fails the tests.
Describe 'Lambda-hosted worker runtime' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'
        $testHome = New-TestHome
        Import-StagedModule
        $aws = Start-Fauxqs
        $bucket = 'wf-lambda-rt-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $root = New-LambdaTaskRoot (Join-Path $testHome 'task')
        $shim = New-PwshShim (Join-Path $testHome 'shim')
        $environment = @{ WORKFLOW_REGION = 'aws:us-east-1'; WORKFLOW_AWS_BUCKET = $bucket; AWS_ENDPOINT_URL = $aws.Endpoint; WORKFLOW_LAMBDA_TIMEOUT = '120' }

        # Steps say where they ran: the function's name and Runtime API, and the process.
        $where = "param(`$Context)`n@{ fn = `$env:AWS_LAMBDA_FUNCTION_NAME; api = `$env:AWS_LAMBDA_RUNTIME_API; pid = `$PID; items = @(1, 2, 3) }`n"
        $last = "param(`$Context)`n@{ fn = `$env:AWS_LAMBDA_FUNCTION_NAME; api = `$env:AWS_LAMBDA_RUNTIME_API; pids = @(`$Context.steps.first.pid) + @(`$Context.steps.each.pid) + `$PID }`n"
        $folder = New-TestWorkflow -Name where -Yaml @'
name: where
version: 1.0.0
steps:
  - name: first
    run: where.ps1
  - name: each
    needs: first
    foreach: steps.first.output.items
    run: where.ps1
  - name: last
    needs: each
    run: last.ps1
'@ -Files @{ 'where.ps1' = $where; 'last.ps1' = $last }
        $null = Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket
        $failing = New-TestWorkflow -Name broken -Yaml "name: broken`nversion: 1.0.0`nsteps:`n  - name: fails`n    run: fails.ps1`n    retry: { max_attempts: 1 }`n" -Files @{ 'fails.ps1' = "throw 'broken on purpose'`n" }
        $null = Publish-Workflow $failing -Region aws:us-east-1 -Bucket $bucket -MaxReceiveCount 2
        $slow = New-TestWorkflow -Name slow -Yaml "name: slow`nversion: 1.0.0`nsteps:`n  - name: list`n    run: list.ps1`n  - name: nap`n    needs: list`n    foreach: steps.list.output`n    run: nap.ps1`n" -Files @{ 'list.ps1' = ", @(1, 2, 3)`n"; 'nap.ps1' = "Start-Sleep -Seconds 20`n" }
        $null = Publish-Workflow $slow -Region aws:us-east-1 -Bucket $bucket

        $fun = Start-FunHost -Directory $root -Path $shim -Environment $environment

        function Invoke-Mapping([string] $Queue, [int] $Max = 10) {
            # One receive and one invocation, as an event-source mapping polls; the event and the result.
            $event = Receive-SqsEvent $aws $Queue -Max $Max
            if (-not $event.Records.Count) { return }
            [pscustomobject]@{ Event = $event; Result = Invoke-FunHost $fun $event.Json }
        }
    }

    AfterAll {
        if ($fun) { $null = Stop-FunHost $fun }
        Stop-Fauxqs $aws
        Remove-TestHome $testHome
    }

    It 'runs every step of a run inside the function, one warm process across invocations' {
        $runId = (Start-WorkflowRun where-1.0.0 -Region aws:us-east-1).RunId
        $invocations = [Collections.Generic.List[object]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while ((Get-FauxqsQueue $aws workflow-where-1_0_0).Ready + (Get-FauxqsQueue $aws workflow-where-1_0_0).InFlight -gt 0 -or $invocations.Count -eq 0) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "The run did not end: $($invocations.Count) invocations." }
            $one = Invoke-Mapping workflow-where-1_0_0
            if ($one) { $invocations.Add($one) }
        }
        $done = Wait-WorkflowRun $runId -Timeout 30

        $done.State | Should -Be 'Succeeded'
        $invocations.Count | Should -BeGreaterOrEqual 3
        foreach ($one in $invocations) {
            $one.Result.FunctionError | Should -BeNullOrEmpty
            @($one.Result.Payload.batchItemFailures) | Should -HaveCount 0
        }
        $output = Receive-WorkflowRun $runId
        $output.fn | Should -Be 'workflow-test'
        $output.api | Should -Match '^127\.0\.0\.1:\d+$'
        # first, the three items and last ran in one process, not this session's.
        @($output.pids) | Should -HaveCount 5
        @($output.pids | Select-Object -Unique) | Should -HaveCount 1
        $output.pids[0] | Should -Not -Be $PID
        $done.Steps | ForEach-Object Region | Select-Object -Unique | Should -Be 'aws:us-east-1'
        # Acked messages are deleted, not left in flight for the mapping.
        $queue = Get-FauxqsQueue $aws workflow-where-1_0_0
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
        # A warm process: the later invocations took far less than the first (which started pwsh).
        ($invocations | Select-Object -Skip 1 | Measure-Object -Property { $_.Result.ms } -Maximum).Maximum | Should -BeLessThan $invocations[0].Result.ms
    }

    It 'reports a failing step as a batch item failure, then dead-letters it on its last delivery' {
        $runId = (Start-WorkflowRun broken-1.0.0 -Region aws:us-east-1).RunId

        $firstDelivery = Invoke-Mapping workflow-broken-1_0_0
        $secondDelivery = Invoke-Mapping workflow-broken-1_0_0
        $letters = @(Get-WorkflowDeadLetter broken-1.0.0)

        $id = $firstDelivery.Event.Records[0].messageId
        @($firstDelivery.Result.Payload.batchItemFailures.itemIdentifier) | Should -Be @($id)
        # Released: visible again at once, so the second receive had it, on its second delivery.
        $secondDelivery.Event.Records[0].messageId | Should -Be $id
        $secondDelivery.Event.Records[0].attributes.ApproximateReceiveCount | Should -Be '2'
        @($secondDelivery.Result.Payload.batchItemFailures) | Should -HaveCount 0
        $letters | Should -HaveCount 1
        $letters[0].RunId | Should -Be $runId
        $letters[0].Step | Should -Be 'fails'
        $letters[0].Reason | Should -BeLike '*broken on purpose*'
        $queue = Get-FauxqsQueue $aws workflow-broken-1_0_0
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
    }

    It 'posts an invocation error for an event that is not an SQS batch, and serves the next one' {
        $bad = Invoke-FunHost $fun '{"hello": "world"}'
        $next = Invoke-FunHost $fun '{"Records": []}'

        $bad.FunctionError | Should -Be 'Handled'
        $bad.Payload.errorType | Should -Be 'LambdaEventInvalid'
        $bad.Payload.errorMessage | Should -BeLike '*not an SQS event*'
        $next.FunctionError | Should -BeNullOrEmpty
        @($next.Payload.batchItemFailures) | Should -HaveCount 0
    }

    It 'leaves a record from a queue of no deployment here to the mapping' {
        $record = [ordered]@{ messageId = 'm-1'; receiptHandle = 'r-1'; body = '{}'; attributes = @{ ApproximateReceiveCount = '1' }; eventSource = 'aws:sqs'; eventSourceARN = 'arn:aws:sqs:us-east-1:000000000000:somebody-elses'; awsRegion = 'us-east-1' }
        $result = Invoke-FunHost $fun (@{ Records = @($record) } | ConvertTo-Json -Depth 5 -Compress)

        $result.FunctionError | Should -BeNullOrEmpty
        @($result.Payload.batchItemFailures.itemIdentifier) | Should -Be @('m-1')
    }

    It 'releases the running and the unstarted records before the deadline' {
        # A function with a 6 s timeout and one lane: fun's deadline header is a constant, so the
        # worker takes the timeout the deployment sets (WORKFLOW_LAMBDA_TIMEOUT) as its deadline.
        $short = Start-FunHost -Directory $root -Path $shim -FunctionName workflow-short -Environment (@{ WORKFLOW_REGION = 'aws:us-east-1'; WORKFLOW_AWS_BUCKET = $bucket; AWS_ENDPOINT_URL = $aws.Endpoint; WORKFLOW_LAMBDA_TIMEOUT = '6'; WORKFLOW_LAMBDA_CONCURRENCY = '1' })
        try {
            $null = Invoke-FunHost $short '{"Records": []}' # started and warm: the deadline test times the batch alone
            $null = Start-WorkflowRun slow-1.0.0 -Region aws:us-east-1
            $list = Invoke-FunHost $short (Receive-SqsEvent $aws workflow-slow-1_0_0).Json
            $event = Receive-SqsEvent $aws workflow-slow-1_0_0
            $result = Invoke-FunHost $short $event.Json

            @($list.Payload.batchItemFailures) | Should -HaveCount 0
            $event.Records.Count | Should -Be 3 # an item a task
            # One lane: the first item was cancelled near the deadline, the other two never started.
            @($result.Payload.batchItemFailures.itemIdentifier | Sort-Object) | Should -Be @($event.Records.messageId | Sort-Object)
            $result.ms | Should -BeLessThan 8000
            # Released: visible again at once for the next invocation.
            (Get-FauxqsQueue $aws workflow-slow-1_0_0).Ready | Should -Be 3
        }
        finally {
            $null = Stop-FunHost $short
        }
    }

    It 'posts init/error when it finds no pwsh' {
        $bare = Start-FunHost -Directory $root -SystemPathOnly -FunctionName workflow-bare -Environment $environment
        try {
            $result = Invoke-FunHost $bare '{"Records": []}'
        }
        finally {
            $log = Stop-FunHost $bare
        }

        $result.FunctionError | Should -Be 'Unhandled'
        $result.Payload.errorType | Should -Be 'Runtime.PwshNotFound'
        $result.Payload.errorMessage | Should -BeLike '*-LambdaLayer*'
        $log | Should -BeLike '*Runtime.PwshNotFound*'
    }
}
