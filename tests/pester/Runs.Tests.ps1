# Runs on the embedded engine, as a user drives them from the pipeline: start, wait, receive, logs,
# stop, timeouts, retries, secrets, scaffolds and graphs. Each test has a workflow home of its own.
Describe 'Runs on the embedded engine' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        # An error nobody expected fails the test, a cmdlet's non-terminating one included.
        $ErrorActionPreference = 'Stop'
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
    }

    AfterEach {
        Remove-TestHome $testHome
    }

    It 'validates the example pipeline without diagnostics' {
        $folder = Copy-Example image-pipeline
        Test-Workflow $folder | Should -BeNullOrEmpty
        Test-Workflow $folder -Quiet | Should -BeTrue
    }

    It 'gives the output of Get-Workflow piped to Start-, Wait- and Receive-WorkflowRun' {
        $null = Publish-Workflow (Copy-Example image-pipeline)
        $output = Get-Workflow image-pipeline-1.0.0 | Start-WorkflowRun -Argument @{ count = 6 } | Wait-WorkflowRun | Receive-WorkflowRun
        @($output).Count | Should -Be 1
        $output.Images | Should -Be 6
        $output.Notified | Should -BeTrue
    }

    It 'returns a succeeded run with its steps from Start-WorkflowRun -Wait' {
        $run = Publish-Workflow (Copy-Example image-pipeline) | Start-WorkflowRun -Argument @{ count = 2 } -Wait
        $run.State | Should -Be 'Succeeded'
        $run.Steps | ForEach-Object { '{0}={1}' -f $_.Step, $_.State } |
            Should -Be @('split=Succeeded', 'resize=Succeeded', 'notify=Skipped', 'report=Succeeded')
    }

    It 'passes JSON to command steps through stdin and stdout and logs their stderr' {
        $run = Publish-Workflow (Copy-Example command-steps) | Start-WorkflowRun -Wait
        $run.State | Should -Be 'Succeeded'
        $output = $run | Get-WorkflowRun | ForEach-Object { $_.RunId } | Receive-WorkflowRun
        @($output).Count | Should -Be 1
        $output.done | Should -BeTrue
        Get-WorkflowLog -RunId $run.RunId -Step measure | ForEach-Object Message | Sort-Object |
            Should -Be @('measuring alpha', 'measuring beta', 'measuring gamma')
    }

    It 'logs every stream of a PowerShell step' {
        $run = Publish-Workflow (Copy-Example image-pipeline) | Start-WorkflowRun -Argument @{ count = 4 } -Wait
        $lines = Get-WorkflowLog -RunId $run.RunId | ForEach-Object { '{0}/{1}: {2}' -f $_.Step, $_.Stream, $_.Message }
        $lines | Should -Contain 'split/Verbose: Splitting a batch of 4 images'
        $lines | Should -Contain 'notify/Warning: Large batch: 4 images'
        $lines | Should -Contain 'resize/Information: Resized image-1.jpg to 640x435'
    }

    It 'cancels a running PowerShell step quickly with Stop-WorkflowRun' {
        $folder = New-TestWorkflow -Name sleepy -Yaml "name: sleepy`nversion: 1.0.0`nsteps:`n  - name: nap`n    run: nap.ps1`n  - name: after`n    needs: [nap]`n    run: nap.ps1`n" -Files @{
            'nap.ps1' = "Start-Sleep -Seconds 60`n"
        }
        $run = Publish-Workflow $folder | Start-WorkflowRun
        Start-Sleep -Milliseconds 500
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $stopped = Stop-WorkflowRun -RunId $run.RunId -PassThru
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because "the stop took $($watch.Elapsed)"
        $stopped.State | Should -Be 'Cancelled'
        (Get-WorkflowRun -RunId $run.RunId).Steps | ForEach-Object { $_.State.ToString() } | Should -Be @('Cancelled', 'Cancelled')
    }

    It 'fails a step that never ends on its timeout' {
        $folder = New-TestWorkflow -Name stuck -Yaml "name: stuck`nversion: 1.0.0`nsteps:`n  - name: hang`n    timeout: 1s`n    command: [sleep, '60']`n"
        $run = Publish-Workflow $folder | Start-WorkflowRun -Wait -ErrorAction SilentlyContinue -ErrorVariable failures
        $run.State | Should -Be 'Failed'
        $run.Error | Should -BeLike '*timed out after 1s*'
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'WorkflowRunFailed,*'
    }

    It 'retries a failing attempt and the step succeeds' {
        $folder = New-TestWorkflow -Name flaky -Yaml "name: flaky`nversion: 1.0.0`nsteps:`n  - name: once`n    retry: { max_attempts: 3, interval: 100ms }`n    run: flaky.ps1`n" -Files @{
            'flaky.ps1' = "param(`$Context)`nif (`$Context.context.attempt -lt 2) { throw 'first attempt fails' }`n@{ attempt = `$Context.context.attempt }`n"
        }
        $run = Publish-Workflow $folder | Start-WorkflowRun -Wait
        $run.State | Should -Be 'Succeeded'
        $output = Receive-WorkflowRun -RunId $run.RunId
        @($output).Count | Should -Be 1
        $output.attempt | Should -Be 2
        Get-WorkflowLog -RunId $run.RunId -Stream Error | Where-Object Message -like '*first attempt fails*' | Should -Not -BeNullOrEmpty
    }

    It 'gives secrets to the step but redacts them from logs, errors and the store' {
        $env:WF_TEST_TOKEN = 's3cr3t-value'
        try {
            $folder = New-TestWorkflow -Name secretive -Yaml @'
name: secretive
version: 1.0.0
secrets: [WF_TEST_TOKEN]
steps:
  - name: leak
    command: [sh, -c, 'echo "token is $WF_TEST_TOKEN" >&2; echo "{\"length\": ${#WF_TEST_TOKEN}}"']
'@
            $run = Publish-Workflow $folder | Start-WorkflowRun -Wait
            $run.State | Should -Be 'Succeeded'
            $output = Receive-WorkflowRun -RunId $run.RunId
            @($output).Count | Should -Be 1
            $output.length | Should -Be 12
            $log = Get-WorkflowLog -RunId $run.RunId | ForEach-Object Message
            $log | Should -Contain 'token is ***'
            $log | Where-Object { $_ -like '*s3cr3t-value*' } | Should -BeNullOrEmpty
            # The store file and its write-ahead log, as bytes: the secret is in neither.
            $files = Get-ChildItem $testHome -Filter 'workflow.db*'
            $files.Name | Should -Contain 'workflow.db'
            foreach ($file in $files) {
                [Text.Encoding]::UTF8.GetString([IO.File]::ReadAllBytes($file.FullName)) | Should -Not -BeLike '*s3cr3t-value*'
            }
        }
        finally {
            Remove-Item Env:WF_TEST_TOKEN
        }
    }

    It 'gives the input document to scripts with and without a param block' {
        $folder = New-TestWorkflow -Name styles -Yaml "name: styles`nversion: 1.0.0`nsteps:`n  - name: typed`n    run: typed.ps1`n  - name: bare`n    needs: [typed]`n    run: bare.ps1`n" -Files @{
            'typed.ps1' = "param(`$Context)`n`$Context.input.n + 1`n"
            'bare.ps1'  = "`$args[0].steps.typed * 10`n"
        }
        $run = Publish-Workflow $folder | Start-WorkflowRun -Argument @{ n = 4 } -Wait
        $run.State | Should -Be 'Succeeded'
        Receive-WorkflowRun -RunId $run.RunId | Should -Be 50
    }

    It 'validates, publishes and runs the New-Workflow scaffold' {
        $definition = New-Workflow -Name hello -Path $testHome
        $definition.WorkflowId | Should -Be 'hello-1.0.0'
        Test-Workflow "$testHome/hello" | Should -BeNullOrEmpty
        Publish-Workflow "$testHome/hello" | Start-WorkflowRun -Argument @{ who = 'admin' } -Wait | Receive-WorkflowRun |
            Should -Be @('ADMIN', 'POWERSHELL')
    }

    It 'draws needs with Export-WorkflowGraph and colours a run' {
        $run = Publish-Workflow (Copy-Example image-pipeline) | Start-WorkflowRun -Argument @{ count = 1 } -Wait
        $mermaid = Export-WorkflowGraph -RunId $run.RunId
        @($mermaid).Count | Should -Be 1
        $mermaid | Should -BeLike '*s_split --> s_resize*'
        $mermaid | Should -BeLike '*class s_notify skipped*'
        $dot = Export-WorkflowGraph -WorkflowId image-pipeline-1.0.0 -Format Dot
        @($dot).Count | Should -Be 1
        $dot | Should -BeLike '*"resize" -> "report";*'
    }
}
