# A run that fails fails the runbook that waited on it; asking a finished run to stop or resume says so;
# Remove-Workflow asks first unless -Force.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $testHome = New-TestHome
    Import-StagedModule

    $failing = New-TestWorkflow -Name failing -Yaml @'
name: failing
version: 1.0.0
steps:
  - name: split
    run: steps/split.ps1
  - name: report
    needs: [split]
    run: steps/report.ps1
'@ -Files @{
        'steps/split.ps1'  = "param(`$Context)`n`$null = 1`nthrow 'the batch is empty'`n"
        'steps/report.ps1' = "param(`$Context)`n@{ ok = `$true }`n"
    }
    $passing = New-TestWorkflow -Name passing -Yaml @'
name: passing
version: 1.0.0
steps:
  - name: hello
    command: [sh, -c, 'echo "{\"greeting\": \"hi\"}"']
'@
    $sleepy = New-TestWorkflow -Name sleepy -Yaml @'
name: sleepy
version: 1.0.0
steps:
  - name: nap
    command: [sleep, '30']
'@
    $null = $failing, $passing, $sleepy | Publish-Workflow

    $runbook = Join-Path $testHome 'runbook.ps1'
    Set-Content -LiteralPath $runbook -Value @'
param([string] $WorkflowId)
$ErrorActionPreference = 'Stop'
Import-Module $env:WORKFLOW_MODULE
$run = Start-WorkflowRun $WorkflowId -Wait
"after the run: $($run.State)"
'@
}

AfterAll {
    Remove-TestHome $testHome
}

Describe 'A run that ends Failed' {
    BeforeAll {
        $run = Start-WorkflowRun failing-1.0.0 -Wait -ErrorVariable failure -ErrorAction SilentlyContinue
        $succeeded = $?
    }

    It 'is still emitted' {
        $run.State | Should -Be 'Failed'
    }

    It 'writes one WorkflowRunFailed error, so $? is false' {
        $succeeded | Should -BeFalse
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'WorkflowRunFailed,Workflow.PowerShell.Commands.StartWorkflowRunCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'InvalidResult'
    }

    It 'has the run as its target object' {
        $failure[0].TargetObject.RunId | Should -Be $run.RunId
        $failure[0].TargetObject | Should -BeOfType ([Workflow.Model.WorkflowRun])
    }

    It 'names the run, the failing step, its error and what to do' {
        $message = $failure[0].Exception.Message
        $message | Should -BeLike "*Run '$($run.RunId)' of failing-1.0.0 failed at step 'split'*"
        $message | Should -BeLike '*the batch is empty*'
        $message | Should -BeLike "*Get-WorkflowLog -RunId $($run.RunId) -Step split*"
    }

    It 'throws with -ErrorAction Stop' {
        { Start-WorkflowRun failing-1.0.0 -Wait -ErrorAction Stop } | Should -Throw -ErrorId 'WorkflowRunFailed,*'
    }

    It 'is an error of Wait-WorkflowRun too' {
        $again = $run | Wait-WorkflowRun -ErrorVariable waited -ErrorAction SilentlyContinue
        $again.RunId | Should -Be $run.RunId
        $waited[0].FullyQualifiedErrorId | Should -Be 'WorkflowRunFailed,Workflow.PowerShell.Commands.WaitWorkflowRunCommand'
    }

    It 'is not an error when the run is started without -Wait' {
        $started = Start-WorkflowRun failing-1.0.0 -ErrorVariable none
        $none | Should -BeNullOrEmpty
        $null = $started | Wait-WorkflowRun -ErrorAction SilentlyContinue
    }
}

Describe 'A run that succeeds' {
    It 'writes no error' {
        $run = Start-WorkflowRun passing-1.0.0 -Wait -ErrorVariable none
        $?| Should -BeTrue
        $run.State | Should -Be 'Succeeded'
        $none | Should -BeNullOrEmpty
    }
}

Describe 'A stopped run' {
    BeforeAll {
        $run = Start-WorkflowRun sleepy-1.0.0
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ((Get-WorkflowRun -RunId $run.RunId).Steps[0].State -ne 'Running' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Stop-WorkflowRun -RunId $run.RunId -Confirm:$false
    }

    It 'is a WorkflowRunCancelled error of Wait-WorkflowRun' {
        $waited = Wait-WorkflowRun -RunId $run.RunId -ErrorVariable cancelled -ErrorAction SilentlyContinue
        $waited.State | Should -Be 'Cancelled'
        $cancelled[0].FullyQualifiedErrorId | Should -Be 'WorkflowRunCancelled,Workflow.PowerShell.Commands.WaitWorkflowRunCommand'
        $cancelled[0].CategoryInfo.Category | Should -Be 'OperationStopped'
        $cancelled[0].Exception.Message | Should -BeLike "*Run '$($run.RunId)' of sleepy-1.0.0 was cancelled*Start-WorkflowRun sleepy-1.0.0*"
    }

    It 'cannot be stopped again: WorkflowRunAlreadyFinished' {
        Stop-WorkflowRun -RunId $run.RunId -Confirm:$false -ErrorVariable again -ErrorAction SilentlyContinue
        $again[0].FullyQualifiedErrorId | Should -Be 'WorkflowRunAlreadyFinished,Workflow.PowerShell.Commands.StopWorkflowRunCommand'
        $again[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $again[0].TargetObject.RunId | Should -Be $run.RunId
        $again[0].Exception.Message | Should -BeLike "*Run '$($run.RunId)' already ended Cancelled*nothing to stop*"
    }

    It 'cannot be resumed: WorkflowRunAlreadyFinished' {
        { Resume-WorkflowRun -RunId $run.RunId -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'WorkflowRunAlreadyFinished,*'
    }
}

Describe 'A runbook run with pwsh -File under $ErrorActionPreference = Stop' {
    It 'exits non-zero when its run fails, and stops at the failure' {
        $result = Invoke-ChildPwsh -File $runbook -ArgumentList 'failing-1.0.0'
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -Not -BeLike '*after the run*'
        $result.Errors + $result.Output | Should -BeLike "*failed at step 'split'*"
    }

    It 'exits 0 when its run succeeds' {
        $result = Invoke-ChildPwsh -File $runbook -ArgumentList 'passing-1.0.0'
        $result.Errors | Should -BeNullOrEmpty
        $result.ExitCode | Should -Be 0
        $result.Output | Should -BeLike '*after the run: Succeeded*'
    }
}

Describe 'Remove-Workflow' {
    BeforeEach {
        $null = Publish-Workflow $passing
    }

    It 'is of high impact, so it asks first' {
        $metadata = [System.Management.Automation.CommandMetadata]::new((Get-Command Remove-Workflow))
        $metadata.ConfirmImpact | Should -Be 'High'
        # This pwsh is -NonInteractive: the prompt it would show is an error, and nothing is removed.
        { Remove-Workflow passing-1.0.0 -ErrorAction Stop } | Should -Throw
        Get-Workflow passing-1.0.0 | Should -Not -BeNullOrEmpty
    }

    It 'removes piped workflows without asking with -Force' {
        $removed = Get-Workflow passing-1.0.0 | Remove-Workflow -Force -PassThru
        $removed.WorkflowId | Should -Be 'passing-1.0.0'
        Get-Workflow passing-1.0.0 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'takes WorkflowInfo objects through -InputObject' {
        $info = Get-Workflow passing-1.0.0
        Remove-Workflow -InputObject $info -Force
        Get-Workflow | Where-Object WorkflowId -eq 'passing-1.0.0' | Should -BeNullOrEmpty
    }

    It 'still only lists with -Force -WhatIf' {
        Get-Workflow passing-1.0.0 | Remove-Workflow -Force -WhatIf
        Get-Workflow passing-1.0.0 | Should -Not -BeNullOrEmpty
    }
}
