# Pester 5 tests of the module's surface, for machines with pwsh and Pester
# (Invoke-Pester -Path tests/pester, or ./build.ps1 -Task Pester). The same behaviour is covered
# by the hosted xunit tests in tests/Workflow.PowerShell.Tests, which run where pwsh cannot.
BeforeAll {
    $repo = Resolve-Path "$PSScriptRoot/../.."
    $env:WORKFLOW_HOME = Join-Path ([IO.Path]::GetTempPath()) ("wf-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    Import-Module "$repo/out/Workflow.PowerShell/Workflow.PowerShell.psd1" -Force
    $example = Join-Path $env:WORKFLOW_HOME 'image-pipeline'
    Copy-Item "$repo/examples/image-pipeline" $example -Recurse
}

AfterAll {
    Remove-Module Workflow.PowerShell -ErrorAction Ignore
}

Describe 'Workflow.PowerShell' {
    It 'validates the example without diagnostics' {
        Test-Workflow $example | Should -BeNullOrEmpty
        Test-Workflow $example -Quiet | Should -BeTrue
    }

    It 'publishes, runs and receives through the pipeline' {
        $output = Publish-Workflow $example -Force | Start-WorkflowRun -Argument @{ count = 6 } | Wait-WorkflowRun | Receive-WorkflowRun
        $output.Images | Should -Be 6
        $output.Notified | Should -BeTrue
    }

    It 'skips the notify step for a small batch' {
        $run = Start-WorkflowRun image-pipeline-1.0.0 -Argument @{ count = 2 } -Wait
        $run.State | Should -Be 'Succeeded'
        ($run.Steps | Where-Object Step -eq 'notify').State | Should -Be 'Skipped'
    }

    It 'reports an unknown workflow with a stable ErrorId' {
        { Get-Workflow nope-1.0.0 -ErrorAction Stop } | Should -Throw -ErrorId 'WorkflowNotFound,*'
    }

    It 'completes workflow ids' {
        $completion = TabExpansion2 -inputScript 'Start-WorkflowRun -WorkflowId image' -cursorColumn 35
        $completion.CompletionMatches.CompletionText | Should -Contain 'image-pipeline-1.0.0'
    }

    It 'publishes nothing with -WhatIf' {
        Remove-Workflow image-pipeline-1.0.0 -WhatIf
        Get-Workflow image-pipeline-1.0.0 | Should -Not -BeNullOrEmpty
    }
}
