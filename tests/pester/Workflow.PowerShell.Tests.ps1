# Pester 5 tests of the module's surface, run in a real pwsh: ./build.ps1 -Task Pester.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $testHome = New-TestHome
    Import-StagedModule
    $example = Copy-Example image-pipeline
}

AfterAll {
    Remove-TestHome $testHome
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
