# Bad input gets an ErrorRecord with a stable ErrorId and category, and loses nothing stored.
# Each test has a workflow home of its own, deleted afterwards.
Describe 'Errors' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        # An error nobody expected fails the test; the expected ones are caught with -ErrorVariable.
        $ErrorActionPreference = 'Stop'

        function Assert-WorkflowError {
            param($ErrorRecord, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category)
            $ErrorRecord.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
            $ErrorRecord.CategoryInfo.Category | Should -Be $Category
        }

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
    }

    AfterEach {
        Remove-TestHome $testHome
    }

    It 'is ObjectNotFound for an unknown workflow id' {
        Get-Workflow nope-1.0.0 -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures | Should -HaveCount 1
        Assert-WorkflowError $failures[0] WorkflowNotFound ObjectNotFound
        $failures[0].Exception.Message | Should -BeLike '*Get-Workflow*'
        { Get-Workflow nope-1.0.0 -ErrorAction Stop } | Should -Throw -ErrorId 'WorkflowNotFound,*'
    }

    It 'is ObjectNotFound for an unknown run id' {
        Get-WorkflowRun -RunId nope -ErrorAction SilentlyContinue -ErrorVariable failures
        Receive-WorkflowRun -RunId nope -ErrorAction SilentlyContinue -ErrorVariable +failures
        Stop-WorkflowRun -RunId nope -ErrorAction SilentlyContinue -ErrorVariable +failures
        $failures | Should -HaveCount 3
        foreach ($failure in $failures) { Assert-WorkflowError $failure WorkflowRunNotFound ObjectNotFound }
    }

    It 'refuses to publish a cycle, naming the whole cycle, and publishes nothing' {
        $folder = New-TestWorkflow -Name loop -Yaml "name: loop`nversion: 1.0.0`nsteps:`n  - name: a`n    needs: [c]`n    command: [true]`n  - name: b`n    needs: [a]`n    command: [true]`n  - name: c`n    needs: [b]`n    command: [true]`n"
        Publish-Workflow $folder -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures | Should -HaveCount 1
        Assert-WorkflowError $failures[0] StepCycle InvalidData
        $failures[0].Exception.Message | Should -BeLike '*a -> *'
        $failures[0].Exception.Message | Should -BeLike '*workflow.yml:*'
        Get-Workflow | Should -BeNullOrEmpty
    }

    It 'reports malformed YAML from Test-Workflow with its line and column' {
        $folder = New-TestWorkflow -Name broken -Yaml "name: broken`nversion: 1.0.0`nsteps:`n  - name: a`n    command: [true`n"
        $diagnostic = Test-Workflow $folder
        @($diagnostic).Count | Should -Be 1
        $diagnostic.ErrorId | Should -Be 'WorkflowYamlMalformed'
        $diagnostic.Line | Should -BeGreaterThan 0
        Test-Workflow $folder -Quiet | Should -BeFalse
    }

    It 'refuses changed content under the same version unless -Force' {
        $folder = Copy-Example command-steps
        $first = Publish-Workflow $folder
        Add-Content (Join-Path $folder 'steps/list.sh') '# changed'
        Publish-Workflow $folder -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures | Should -HaveCount 1
        Assert-WorkflowError $failures[0] WorkflowVersionConflict ResourceExists
        (Get-Workflow command-steps-1.0.0).ContentHash | Should -Be $first.ContentHash
        $forced = Publish-Workflow $folder -Force
        $forced.ContentHash | Should -Not -Be $first.ContentHash
    }

    It 'does nothing when the same content is published again' {
        $folder = Copy-Example command-steps
        $first = Publish-Workflow $folder
        $second = Publish-Workflow $folder
        $second.PublishedAt | Should -Be $first.PublishedAt
    }

    It 'is InvalidArgument for an argument that is not serialisable, and starts nothing' {
        $null = Publish-Workflow (Copy-Example command-steps)
        Start-WorkflowRun command-steps-1.0.0 -Argument @{ code = { 'no' } } -ErrorAction SilentlyContinue -ErrorVariable failures
        Start-WorkflowRun command-steps-1.0.0 -Argument @{ ratio = [double]::NaN } -ErrorAction SilentlyContinue -ErrorVariable +failures
        Start-WorkflowRun command-steps-1.0.0 -Argument '{"broken": ' -ErrorAction SilentlyContinue -ErrorVariable +failures
        $failures | Should -HaveCount 3
        Assert-WorkflowError $failures[0] WorkflowValueNotSerializable InvalidArgument
        Assert-WorkflowError $failures[1] WorkflowValueNotSerializable InvalidArgument
        Assert-WorkflowError $failures[2] WorkflowArgumentNotJson InvalidArgument
        Get-WorkflowRun | Should -BeNullOrEmpty
    }

    It 'fails the run of a step writing something that is not JSON, with the reason' {
        $folder = New-TestWorkflow -Name chatty -Yaml "name: chatty`nversion: 1.0.0`nsteps:`n  - name: talk`n    command: [sh, -c, 'echo hello there']`n"
        $run = Publish-Workflow $folder | Start-WorkflowRun -Wait -ErrorAction SilentlyContinue -ErrorVariable failures
        $run.State | Should -Be 'Failed'
        $run.Error | Should -BeLike '*not JSON*'
        Receive-WorkflowRun -RunId $run.RunId -ErrorAction SilentlyContinue -ErrorVariable +failures
        $failures | Should -HaveCount 2
        Assert-WorkflowError $failures[0] WorkflowRunFailed InvalidResult
        $failures[0].Exception.Message | Should -BeLike "*'talk'*not JSON*"
        Assert-WorkflowError $failures[1] WorkflowRunNotSucceeded InvalidResult
    }

    It 'refuses a store file that is not SQLite and leaves it as it was' {
        $badHome = Join-Path $testHome 'bad-home'
        $null = New-Item -ItemType Directory $badHome
        $store = Join-Path $badHome 'workflow.db'
        Set-Content $store 'this is not a database, but it is mine'
        $before = [Convert]::ToBase64String([IO.File]::ReadAllBytes($store))
        $env:WORKFLOW_HOME = $badHome
        try { $failures = @(Get-ErrorRecord { Get-Workflow }) }
        finally { $env:WORKFLOW_HOME = $testHome }
        $failures | Should -HaveCount 1
        Assert-WorkflowError $failures[0] WorkflowStoreCorrupt InvalidData
        $failures[0].Exception.Message | Should -BeLike "*$store*"
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($store)) | Should -Be $before
    }

    It 'is OperationTimeout when Wait-WorkflowRun passes its -Timeout, and leaves the run going' {
        $folder = New-TestWorkflow -Name slow -Yaml "name: slow`nversion: 1.0.0`nsteps:`n  - name: nap`n    command: [sleep, '30']`n"
        $run = Publish-Workflow $folder | Start-WorkflowRun
        $run | Wait-WorkflowRun -Timeout 1 -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures | Should -HaveCount 1
        Assert-WorkflowError $failures[0] WorkflowRunWaitTimeout OperationTimeout
        (Get-WorkflowRun -RunId $run.RunId).State | Should -Be 'Running'
        Stop-WorkflowRun -RunId $run.RunId
    }

    It 'publishes, starts and removes nothing with -WhatIf' {
        $folder = Copy-Example command-steps
        Publish-Workflow $folder -WhatIf
        Get-Workflow | Should -BeNullOrEmpty
        $null = Publish-Workflow $folder
        Start-WorkflowRun command-steps-1.0.0 -WhatIf
        Get-WorkflowRun | Should -BeNullOrEmpty
        Remove-Workflow command-steps-1.0.0 -WhatIf
        @(Get-Workflow).Count | Should -Be 1
        $removed = Get-Workflow command-steps-1.0.0 | Remove-Workflow -PassThru -Force
        @($removed).Count | Should -Be 1
        $removed.WorkflowId | Should -Be 'command-steps-1.0.0'
        Get-Workflow | Should -BeNullOrEmpty
    }
}
