# A session killed with SIGKILL mid-run loses nothing: this session carries the run on.
Describe 'A session killed mid-run' {
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

    It 'resumes in another process without running its finished steps again' {
        $folder = New-ChainWorkflow -Name long -Count 8 -StepScript @'
param($Context)
[System.IO.File]::AppendAllText([System.IO.Path]::Combine($env:WORKFLOW_HOME, 'executions.log'), $Context.context.step + [System.Environment]::NewLine)
Start-Sleep -Milliseconds 700
@{ step = $Context.context.step }
'@
        $script = Join-Path $testHome 'start.ps1'
        Set-Content $script @"
`$ErrorActionPreference = 'Stop'
Import-Module `$env:WORKFLOW_MODULE
`$run = Publish-Workflow '$folder' | Start-WorkflowRun
`$run.RunId
Wait-WorkflowRun -RunId `$run.RunId | Out-Null
"@
        $child = Start-ChildPwsh -File $script
        try {
            $line = $child.StandardOutput.ReadLineAsync()
            $line.Wait(120000) | Should -BeTrue -Because 'the child prints its run id'
            $runId = "$($line.Result)".Trim()
            $runId | Should -Not -BeNullOrEmpty -Because "the child printed no run id: $(if ($child.HasExited) { $child.StandardError.ReadToEnd() })"

            # Killed once three steps are done; meanwhile this session reads the store, as another would.
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            do {
                Start-Sleep -Milliseconds 100
                $done = @((Get-WorkflowRun -RunId $runId).Steps | Where-Object State -eq 'Succeeded').Count
            } while ($done -lt 3 -and [DateTime]::UtcNow -lt $deadline)
        }
        finally {
            Stop-ChildPwsh $child # SIGKILL: no cleanup runs in the child
        }
        $finishedBeforeKill = @((Get-WorkflowRun -RunId $runId).Steps | Where-Object State -eq 'Succeeded' | ForEach-Object Step)
        Write-Host "crash: pwsh child (pid $($child.Id)) killed with SIGKILL after $($finishedBeforeKill.Count) of 8 steps: $($finishedBeforeKill -join ',')"
        $finishedBeforeKill.Count | Should -BeGreaterOrEqual 3

        $resumed = Resume-WorkflowRun -RunId $runId -Wait
        @($resumed).Count | Should -Be 1
        $resumed.State | Should -Be 'Succeeded'

        $executions = Get-Content (Join-Path $testHome 'executions.log') | Group-Object -AsHashTable -AsString
        $repeated = @($executions.Keys | Where-Object { $executions[$_].Count -gt 1 } | Sort-Object)
        Write-Host "crash: $(($executions.Values | Measure-Object Count -Sum).Sum) step executions for $($executions.Count) steps; run again after the kill: $(if ($repeated) { $repeated -join ',' } else { 'none' })"
        foreach ($step in $finishedBeforeKill) {
            $executions[$step].Count | Should -Be 1 -Because "$step finished before the kill"
        }
        $executions.Count | Should -Be 8
        Invoke-Sqlite3 (Join-Path $testHome 'workflow.db') 'PRAGMA integrity_check;' | Should -Be 'ok'
    }
}
