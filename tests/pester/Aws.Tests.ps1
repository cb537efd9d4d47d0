# Publishing to and running in an AWS region, against fauxqs (S3 + SQS) on loopback: a fresh server
# and a fresh workflow home for each test, both gone afterwards. fauxqs missing fails the tests.
Describe 'AWS regions' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        # An error nobody expected fails the test, a cmdlet's non-terminating one included.
        $ErrorActionPreference = 'Stop'

        function New-Bucket { 'wf-test-' + [guid]::NewGuid().ToString('N').Substring(0, 10) }

        function Get-ErrorRecord([scriptblock] $ScriptBlock) {
            # Every error the block writes, and the one that ends it if one does, as a session shows them.
            # Defined here, not in TestSupport: the block must see this function's preference.
            $ErrorActionPreference = 'Continue'
            try { & $ScriptBlock 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } }
            catch { $_ }
        }
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
        $aws = Start-Fauxqs
    }

    AfterEach {
        Remove-TestHome $testHome
        Stop-Fauxqs $aws
    }

    It 'creates the queues on publish, and a second publish of the same content uploads nothing' {
        $folder = New-FanWorkflow
        $bucket = New-Bucket

        $first = Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket -Verbose 4>&1 | ForEach-Object { "$_" }
        $second = Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket -Verbose 4>&1 | ForEach-Object { "$_" }

        $first | Where-Object { $_.Contains('6 files uploaded') } | Should -Not -BeNullOrEmpty
        $second | Where-Object { $_.Contains('package unchanged') } | Should -Not -BeNullOrEmpty
        (Get-Workflow fan-1.0.0).Regions | Should -Be 'local, aws:us-east-1'
        Test-FauxqsQueue $aws workflow-fan-1_0_0 | Should -BeTrue
        Test-FauxqsQueue $aws workflow-fan-1_0_0-dlq | Should -BeTrue
        Test-FauxqsObject $aws $bucket deployments/us-east-1/fan-1.0.0.json | Should -BeTrue

        # -WhatIf lists what would go and removes nothing; then it goes.
        Remove-Workflow fan-1.0.0 -WhatIf
        Test-FauxqsQueue $aws workflow-fan-1_0_0 | Should -BeTrue
        Remove-Workflow fan-1.0.0 -Confirm:$false
        Test-FauxqsQueue $aws workflow-fan-1_0_0 | Should -BeFalse
        Test-FauxqsQueue $aws workflow-fan-1_0_0-dlq | Should -BeFalse
        Test-FauxqsObject $aws $bucket deployments/us-east-1/fan-1.0.0.json | Should -BeFalse
    }

    It 'completes the deployed region before the other AWS regions' {
        $null = Publish-Workflow (New-FanWorkflow) -Region aws:us-west-2 -Bucket (New-Bucket)
        $text = 'Start-WorkflowRun fan-1.0.0 -Region aws:'
        $regions = (TabExpansion2 -inputScript $text -cursorColumn $text.Length).CompletionMatches.CompletionText
        $regions[0] | Should -Be 'aws:us-west-2'
        $regions | Should -Contain 'aws:af-south-1'
        @($regions | Where-Object { $_ -eq 'aws:us-west-2' }).Count | Should -Be 1
    }

    It 'carries a run started in a region on in a worker, and syncs it back' {
        $null = Publish-Workflow (New-FanWorkflow) -Region aws:us-east-1 -Bucket (New-Bucket)

        $run = Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1
        $run.Owner | Should -Be 'aws:us-east-1'
        $info = Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 7 -Concurrency 2
        $done = Wait-WorkflowRun $run.RunId -Timeout 60
        $output = Receive-WorkflowRun $run.RunId
        $logs = Get-WorkflowLog -RunId $run.RunId | ForEach-Object Message
        $again = Sync-WorkflowLog fan-1.0.0

        $info.Succeeded | Should -Be 7
        $info.StopReason | Should -Be 'MaxTasks'
        $done.State | Should -Be 'Succeeded'
        @($output).Count | Should -Be 1
        [int] $output.total | Should -Be 61
        $logs | Should -Contain 'left ran'
        @($again).Count | Should -Be 1
        $again.ObjectsFetched | Should -Be 0
        $queue = Get-FauxqsQueue $aws workflow-fan-1_0_0
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
    }

    It 'dead-letters a failing step, and a redrive after the fix finishes the run' {
        $marker = Join-Path $testHome 'fixed'
        $env:LEFT_NEEDS = $marker
        try {
            $null = Publish-Workflow (New-FanWorkflow) -Region aws:us-east-1 -Bucket (New-Bucket) -MaxReceiveCount 2
            $runId = (Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1).RunId

            # split, 3 items, join waits; left fails on its 2 deliveries, the second sends it to the DLQ.
            $info = Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 6 -Concurrency 1
            $letters = @(Get-WorkflowDeadLetter fan-1.0.0)

            $info.DeadLettered | Should -Be 1
            $letters | Should -HaveCount 1
            $letters[0].RunId | Should -Be $runId
            $letters[0].Step | Should -Be 'left'
            $letters[0].Receives | Should -Be 2
            $letters[0].Reason | Should -BeLike "*missing $marker*"
            # Synced, the run shows as it is: going, with the dead-lettered step not finished.
            $null = Sync-WorkflowLog fan-1.0.0
            (Get-WorkflowRun $runId).State | Should -Be 'Running'
            ((Get-WorkflowRun $runId).Steps | Where-Object Step -eq left).State | Should -Be 'Pending'

            Set-Content $marker ''
            Get-WorkflowDeadLetter fan-1.0.0 | Restore-WorkflowDeadLetter -WhatIf
            @(Get-WorkflowDeadLetter fan-1.0.0) | Should -HaveCount 1
            Get-WorkflowDeadLetter fan-1.0.0 | Restore-WorkflowDeadLetter -Confirm:$false
            $null = Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 3 -Concurrency 1
            $done = Wait-WorkflowRun $runId -Timeout 60

            $done.State | Should -Be 'Succeeded'
            Get-WorkflowDeadLetter fan-1.0.0 | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item Env:LEFT_NEEDS
        }
    }

    It 'dead-letters a message that is not a task with the reason, and the worker goes on' {
        $null = Publish-Workflow (New-FanWorkflow) -Region aws:us-east-1 -Bucket (New-Bucket)
        Send-FauxqsMessage $aws workflow-fan-1_0_0 'this is not json'
        Send-FauxqsMessage $aws workflow-fan-1_0_0 '{"runId":"r","workflowId":"other-1.0.0","step":"x","sharedInput":"{"}'
        $runId = (Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1).RunId

        $null = Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 7 -Concurrency 1
        $done = Wait-WorkflowRun $runId -Timeout 60
        $reasons = @(Get-WorkflowDeadLetter fan-1.0.0 | ForEach-Object Reason)

        $done.State | Should -Be 'Succeeded'
        $reasons | Should -HaveCount 2
        $reasons | Where-Object { $_.Contains("not a task's JSON") } | Should -Not -BeNullOrEmpty
        $reasons | Where-Object { $_.Contains("names workflow 'other-1.0.0'") } | Should -Not -BeNullOrEmpty
    }

    It 'gives <ErrorId> (<Category>) for: <Script>' -ForEach @(
        @{ Script = { Publish-Workflow $folder -Region aws:moon-1 }; ErrorId = 'AwsRegionUnknown'; Category = 'InvalidArgument' }
        @{ Script = { Publish-Workflow $folder -Region aws:us-east-1 -ProfileName no-such-profile }; ErrorId = 'AwsProfileNotFound'; Category = 'ObjectNotFound' }
        @{ Script = { Publish-Workflow $folder -Region aws:us-east-1 -EndpointUrl http://127.0.0.1:9 }; ErrorId = 'AwsEndpointUnreachable'; Category = 'ConnectionError' }
        @{ Script = { Start-WorkflowRun fan-1.0.0 -Region aws:eu-west-1 }; ErrorId = 'WorkflowNotDeployed'; Category = 'ObjectNotFound' }
        @{ Script = { Sync-WorkflowLog fan-1.0.0 }; ErrorId = 'WorkflowNotDeployed'; Category = 'ObjectNotFound' }
        @{ Script = { Restore-WorkflowDeadLetter fan-1.0.0 -Region aws:us-east-1 }; ErrorId = 'WorkflowNotDeployed'; Category = 'ObjectNotFound' }
    ) {
        $folder = New-FanWorkflow
        $null = Publish-Workflow $folder
        $failures = @(Get-ErrorRecord $Script)

        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        $failures[0].CategoryInfo.Category | Should -Be $Category
        (Get-Workflow fan-1.0.0).Regions | Should -Be 'local'
    }

    It 'runs the region example as the README says' {
        $script = Join-Path $testHome 'aws-local.ps1'
        Set-Content $script "Import-Module `$env:WORKFLOW_MODULE -ErrorAction Stop`n& '$(Join-Path (Get-RepoRoot) examples/aws-local.ps1)'`n"
        $child = Invoke-ChildPwsh -File $script -TimeoutSeconds 300

        $child.Errors | Should -BeNullOrEmpty
        $child.ExitCode | Should -Be 0
        $states = Get-WorkflowRun | ForEach-Object { "$($_.State)" }
        $states | Should -HaveCount 5
        $states | Where-Object { $_ -ne 'Succeeded' } | Should -BeNullOrEmpty
    }

    It 'keeps deploying to the next region when one fails' {
        $published = Publish-Workflow (New-FanWorkflow) -Region aws:moon-1, aws:us-east-1 -Bucket (New-Bucket) -ErrorAction SilentlyContinue -ErrorVariable failures

        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be 'AwsRegionUnknown'
        @($published) | Should -HaveCount 1
        $published.WorkflowId | Should -Be 'fan-1.0.0'
        (Get-Workflow fan-1.0.0).Regions | Should -Be 'local, aws:us-east-1'
    }

    It 'gives a clear error for missing credentials' {
        $folder = New-FanWorkflow
        Remove-Item Env:AWS_ACCESS_KEY_ID, Env:AWS_SECRET_ACCESS_KEY
        $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $testHome 'none'
        $env:AWS_CONFIG_FILE = Join-Path $testHome 'none'
        try {
            $failures = @(Get-ErrorRecord { Publish-Workflow $folder -Region aws:us-east-1 })
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be 'AwsCredentialsMissing'
            $failures[0].Exception.Message | Should -BeLike '*AWS_ACCESS_KEY_ID*'
        }
        finally {
            $env:AWS_ACCESS_KEY_ID = 'test'
            $env:AWS_SECRET_ACCESS_KEY = 'test'
            Remove-Item Env:AWS_SHARED_CREDENTIALS_FILE, Env:AWS_CONFIG_FILE
        }
    }

    It 'refuses a bucket that is not ours and leaves it as it was' {
        $folder = New-FanWorkflow
        $bucket = New-Bucket
        New-FauxqsForeignBucket $aws $bucket

        $failures = @(Get-ErrorRecord { Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket })

        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be 'AwsBucketNotOurs'
        $failures[0].Exception.Message | Should -BeLike "*$bucket*"
        Test-FauxqsObject $aws $bucket workflow-powershell.json | Should -BeFalse
        Test-FauxqsObject $aws $bucket someone-else.txt | Should -BeTrue
        Test-FauxqsQueue $aws workflow-fan-1_0_0 | Should -BeFalse
    }

    It 'stops a run in a region with Stop-WorkflowRun: its workers start nothing more of it' {
        $null = Publish-Workflow (New-FanWorkflow) -Region aws:us-east-1 -Bucket (New-Bucket)
        $runId = (Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1).RunId

        # No worker yet: the stop is written, and the first worker to take the run's task ends it.
        Stop-WorkflowRun $runId -WarningAction SilentlyContinue -Confirm:$false
        $info = Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 1 -Concurrency 1
        $done = Wait-WorkflowRun $runId -Timeout 60 -ErrorAction SilentlyContinue -ErrorVariable waitErrors

        $info.Cancelled | Should -Be 1
        $done.State | Should -Be 'Cancelled'
        # The waited-on run ended Cancelled: that is an error too, so a runbook fails.
        $waitErrors | Should -HaveCount 1
        $waitErrors[0].FullyQualifiedErrorId | Should -BeLike 'WorkflowRunCancelled,*'
        $waitErrors[0].CategoryInfo.Category | Should -Be 'OperationStopped'
        $done.Error | Should -Be 'The run was stopped.'
        $queue = Get-FauxqsQueue $aws workflow-fan-1_0_0
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
    }

    It 'refuses a queue of that name that is not ours and leaves it alone' {
        $folder = New-FanWorkflow
        New-FauxqsForeignQueue $aws workflow-fan-1_0_0

        $failures = @(Get-ErrorRecord { Publish-Workflow $folder -Region aws:us-east-1 -Bucket (New-Bucket) })

        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId.Split(',')[0] | Should -Be 'AwsQueueNotOurs'
        $failures[0].Exception.Message | Should -BeLike '*workflow-fan-1_0_0*'
        (Get-Workflow fan-1.0.0).Regions | Should -Be 'local'
    }

    It 'sends a task over the SQS size limit by S3 reference' {
        # 'big' outputs 300 KB (kept in S3 by reference): the task of 'size', which carries it, is over SQS's 256 KiB.
        $folder = New-TestWorkflow -Name big -Yaml "name: big`nversion: 1.0.0`nsteps:`n  - name: big`n    run: big.ps1`n  - name: size`n    needs: big`n    run: size.ps1`n" -Files @{
            'big.ps1'  = "param(`$Context)`n@{ text = [string]::new([char]'x', 300000) }`n"
            'size.ps1' = "param(`$Context)`n`$Context.steps.big.text.Length`n"
        }
        $null = Publish-Workflow $folder -Region aws:us-east-1 -Bucket (New-Bucket)
        $runId = (Start-WorkflowRun big-1.0.0 -Region aws:us-east-1).RunId

        $null = Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 2 -Concurrency 1
        $done = Wait-WorkflowRun $runId -Timeout 60
        $size = Receive-WorkflowRun $runId

        $done.State | Should -Be 'Succeeded'
        @($size).Count | Should -Be 1
        [int] $size | Should -Be 300000
        $queue = Get-FauxqsQueue $aws workflow-big-1_0_0
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
    }
}
