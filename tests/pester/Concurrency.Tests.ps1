# Several sessions (pwsh processes) sharing one store at once lose nothing and corrupt nothing.
Describe 'Sessions sharing one store' {
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

    It 'runs workflows from two other pwsh processes and this one on one store at once' {
        $folder = New-TestWorkflow -Name wide -Yaml "name: wide`nversion: 1.0.0`nsteps:`n  - name: list`n    run: list.ps1`n  - name: each`n    needs: [list]`n    foreach: steps.list.output`n    run: each.ps1`n  - name: sum`n    needs: [each]`n    run: sum.ps1`n" -Files @{
            'list.ps1' = "param(`$Context)`n,@(1..150)`n"
            'each.ps1' = "param(`$Context)`n`$Context.item * 2`n"
            'sum.ps1'  = "param(`$Context)`n`$total = 0`nforeach (`$n in `$Context.steps.each) { `$total += `$n }`n`$total`n"
        }
        $null = Publish-Workflow $folder
        # Each child says when its module and store are open, then all three start together: pwsh
        # start-up on a loaded machine cannot make the runs take turns instead of overlapping.
        $script = Join-Path $testHome 'run.ps1'
        Set-Content $script @'
$ErrorActionPreference = 'Stop'
Import-Module $env:WORKFLOW_MODULE
$null = Get-Workflow wide-1.0.0
$null = New-Item "$env:WORKFLOW_HOME/ready-$PID"
$deadline = [DateTime]::UtcNow.AddMinutes(2)
while (-not (Test-Path "$env:WORKFLOW_HOME/go") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
$run = Start-WorkflowRun wide-1.0.0 -Wait
"$($run.RunId) $($run.State)"
'@
        $children = 1..2 | ForEach-Object { Start-ChildPwsh -File $script }
        $outputs = $children | ForEach-Object { [pscustomobject]@{ Output = $_.StandardOutput.ReadToEndAsync(); Errors = $_.StandardError.ReadToEndAsync() } }
        try {
            $deadline = [DateTime]::UtcNow.AddMinutes(2)
            while (@(Get-ChildItem $testHome -Filter 'ready-*').Count -lt 2 -and [DateTime]::UtcNow -lt $deadline -and -not ($children | Where-Object HasExited)) {
                Start-Sleep -Milliseconds 100
            }
            @(Get-ChildItem $testHome -Filter 'ready-*').Count | Should -Be 2 -Because "both children open the store$(foreach ($o in $outputs) { if ($o.Errors.IsCompleted) { ': ' + $o.Errors.Result } })"
            $null = New-Item (Join-Path $testHome 'go')
            $mine = Start-WorkflowRun wide-1.0.0 -Wait
            foreach ($child in $children) { $child.WaitForExit(120000) | Should -BeTrue -Because 'a child run ends' }
        }
        finally {
            $children | Stop-ChildPwsh
        }

        $mine.State | Should -Be 'Succeeded'
        foreach ($i in 0, 1) {
            $outputs[$i].Errors.Result | Should -BeNullOrEmpty
            $children[$i].ExitCode | Should -Be 0
            $outputs[$i].Output.Result.Trim() | Should -BeLike '* Succeeded'
        }
        $runs = Get-WorkflowRun -WorkflowId wide-1.0.0
        @($runs).Count | Should -Be 3
        foreach ($run in $runs) {
            Receive-WorkflowRun -RunId $run.RunId | Should -Be (150 * 151)
            @((Get-WorkflowRun -RunId $run.RunId).Steps | Where-Object { $_.Step -eq 'each' -and $_.ItemCount -eq 150 }).Count | Should -Be 1
        }
        Invoke-Sqlite3 (Join-Path $testHome 'workflow.db') 'PRAGMA integrity_check;' | Should -Be 'ok'
    }
}
