# How an admin checks a workflow of their own with Pester 5, here examples/image-pipeline:
#   Invoke-Pester ./examples/pester
# The runs go to a workflow home of their own, so nothing touches your real one
# ($env:WORKFLOW_HOME, or ~/.local/share/Workflow.PowerShell), and it is deleted afterwards.
# (Not under $TestDrive: Pester deletes what a Context created there when the Context ends,
# which would take the store and packages published in one Context away from the next.)
BeforeAll {
    Import-Module Workflow.PowerShell -ErrorAction Stop
    $savedHome = $env:WORKFLOW_HOME
    $env:WORKFLOW_HOME = Join-Path ([IO.Path]::GetTempPath()) ('wf-example-' + [guid]::NewGuid().ToString('N'))
    $workflow = Join-Path $PSScriptRoot '../image-pipeline'
}

AfterAll {
    # Removing the module closes its store, so the home can be deleted.
    Remove-Module Workflow.PowerShell
    Remove-Item $env:WORKFLOW_HOME -Recurse -Force
    $env:WORKFLOW_HOME = $savedHome
}

Describe 'image-pipeline' {
    It 'passes Test-Workflow' {
        Test-Workflow $workflow | Should -BeNullOrEmpty
    }

    Context 'a batch of 6 images' {
        BeforeAll {
            $run = Publish-Workflow $workflow | Start-WorkflowRun -Argument @{ count = 6 } -Wait
            $report = $run | Receive-WorkflowRun
        }

        It 'succeeds' {
            $run.State | Should -Be 'Succeeded'
        }

        It 'resizes every image' {
            $report.Images | Should -Be 6
            ($run.Steps | Where-Object Step -EQ 'resize').ItemCount | Should -Be 6
        }

        It 'notifies, with a warning in the log' {
            $report.Notified | Should -BeTrue
            $run | Get-WorkflowLog -Step notify -Stream Warning | Should -HaveCount 1
        }
    }

    Context 'a batch of 2 images' {
        It 'skips the notification' {
            $run = Start-WorkflowRun image-pipeline-1.0.0 -Argument @{ count = 2 } -Wait
            ($run.Steps | Where-Object Step -EQ 'notify').State | Should -Be 'Skipped'
            ($run | Receive-WorkflowRun).Notified | Should -BeFalse
        }
    }
}
