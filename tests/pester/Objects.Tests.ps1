# The objects people script against: -Argument rules, how runs read, stream names, and stores
# that this session may only read.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $testHome = New-TestHome
    Import-StagedModule
    $null = Publish-Workflow (Copy-Example image-pipeline)
    $run = Start-WorkflowRun image-pipeline-1.0.0 -Argument @{ count = 2 } -Wait
}

AfterAll {
    Remove-TestHome $testHome
}

Describe '-Argument' {
    It 'refuses a credential, naming the property that holds it' {
        $credential = [pscredential]::new('admin', (ConvertTo-SecureString 'p4ss' -AsPlainText -Force))
        { Start-WorkflowRun image-pipeline-1.0.0 -Argument @{ count = 1; login = $credential } -ErrorAction Stop } |
            Should -Throw -ErrorId 'WorkflowValueNotSerializable,*' -ExpectedMessage "*'login'*credential*secrets:*"
    }

    It 'refuses a script block with a message about code, not credentials' {
        $failure = { Start-WorkflowRun image-pipeline-1.0.0 -Argument @{ count = 1; filter = { $_ } } -ErrorAction Stop } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'WorkflowValueNotSerializable,*'
        $failure.Exception.Message | Should -BeLike "*'filter'*script block*"
        $failure.Exception.Message | Should -Not -BeLike '*credential*'
    }

    It 'takes a .NET object, warning once that its deep members became text' {
        $file = Get-Item $PSCommandPath
        $started = Start-WorkflowRun image-pipeline-1.0.0 -Argument @{ count = 1; file = $file } -Wait -WarningVariable warnings -WarningAction SilentlyContinue
        $started.State | Should -Be 'Succeeded'
        $warnings.Count | Should -Be 1
        "$warnings" | Should -BeLike "-Argument: 'file.*became text*3 levels deep*"
        ($started.ArgumentJson | ConvertFrom-Json).file.Name | Should -Be $file.Name
    }

    It 'passes a JSON string as it is and refuses one that does not parse' {
        ((Start-WorkflowRun image-pipeline-1.0.0 -Argument '{"count": 1, "tag": "x"}' -Wait).ArgumentJson | ConvertFrom-Json).tag | Should -Be 'x'
        { Start-WorkflowRun image-pipeline-1.0.0 -Argument '{"count": ' -ErrorAction Stop } | Should -Throw -ErrorId 'WorkflowArgumentNotJson,*'
    }
}

Describe 'Another runspace of this process' {
    It 'imports the module with every cmdlet, and again with -Force' {
        $runspace = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
        $runspace.Open()
        try {
            $shell = [powershell]::Create()
            $shell.Runspace = $runspace
            $counts = $shell.AddScript(@"
Import-Module '$(Get-StagedModule)' -ErrorAction Stop
(Get-Command -Module Workflow.PowerShell).Count
Import-Module '$(Get-StagedModule)' -Force -ErrorAction Stop
(Get-Command -Module Workflow.PowerShell).Count
(Get-WorkflowRun -RunId '$($run.RunId)').State.ToString()
"@).Invoke()
            $shell.Streams.Error | Should -BeNullOrEmpty
            $expected = (Get-Command -Module Workflow.PowerShell).Count
            $counts | Should -Be @($expected, $expected, 'Succeeded')
        }
        finally {
            $runspace.Dispose()
        }
    }
}

Describe 'How a run reads' {
    It 'is a type literal and reads as text in a string' {
        $run | Should -BeOfType ([Workflow.Model.WorkflowRun])
        "$run" | Should -Be "$($run.RunId) image-pipeline-1.0.0 Succeeded"
        "$($run.Steps)" | Should -Be 'split=Succeeded resize=Succeeded notify=Skipped report=Succeeded'
    }

    It 'shows a list view with its steps summarised, not dumped' {
        $text = $run | Format-List | Out-String
        $text | Should -Match 'Steps\s+: split=Succeeded resize=Succeeded notify=Skipped report=Succeeded'
        $text | Should -Not -Match 'StepRun \{'
    }

    It 'shows a readable list when printed after an object of another type' {
        # PowerShell lists an object of another type than the first out of band, by its default display properties.
        $text = & { Get-Date; Get-WorkflowRun -RunId $run.RunId; Get-Workflow image-pipeline-1.0.0 } | Out-String
        $text | Should -Match "RunId\s+: $($run.RunId)"
        $text | Should -Match 'StepSummary\s+: split=Succeeded resize=Succeeded notify=Skipped report=Succeeded'
        $text | Should -Not -Match 'StepRun \{|ArgumentJson|steps:'
        $text | Should -Match 'WorkflowId\s+: image-pipeline-1.0.0'
    }

    It 'lists a workflow without dumping its workflow.yml' {
        $text = Get-Workflow image-pipeline-1.0.0 | Format-List | Out-String
        $text | Should -Match 'WorkflowId\s+: image-pipeline-1.0.0'
        $text | Should -Not -Match 'steps:'
    }
}

Describe 'A run given as an argument' {
    It 'stands for its id in -RunId, as it does through the pipeline' {
        $queued = Start-WorkflowRun image-pipeline-1.0.0 -Argument @{ count = 1 }
        (Wait-WorkflowRun $queued).State | Should -Be 'Succeeded'
        (Get-WorkflowRun $queued).RunId | Should -Be $queued.RunId
        Receive-WorkflowRun -RunId $queued | Should -Not -BeNullOrEmpty
        { Get-WorkflowLog $queued -ErrorAction Stop } | Should -Not -Throw
        (Wait-WorkflowRun @($queued, $run)).RunId | Should -Be @($queued.RunId, $run.RunId)
    }

    It 'still refuses an object that is not a run, naming its text' {
        { Wait-WorkflowRun (Get-Item $PSCommandPath) -ErrorAction Stop } | Should -Throw -ErrorId 'WorkflowRunNotFound,*'
    }
}

Describe 'Get-WorkflowLog -Stream' {
    It 'completes stream names' {
        $line = "Get-WorkflowLog $($run.RunId) -Stream W"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('Warning')
    }

    It 'refuses a stream that does not exist' {
        { Get-WorkflowLog $run.RunId -Stream Nope -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }
}

Describe 'A store this session may only read' {
    BeforeAll {
        # chattr +i binds root too (chmod does not): the store file and its folder become immutable.
        $readOnlyHome = Join-Path ([IO.Path]::GetTempPath()) ('wf-pester-ro-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory $readOnlyHome
        $env:WORKFLOW_HOME = $readOnlyHome
        $null = Publish-Workflow (Join-Path $testHome 'src/image-pipeline') | Start-WorkflowRun -Argument @{ count = 2 } -Wait
        Remove-Module Workflow.PowerShell # closes the store
        $frozen = @(Get-ChildItem $readOnlyHome -Filter 'workflow.db*' | ForEach-Object FullName) + @($readOnlyHome)
        $chattr = & chattr +i @frozen 2>&1
        if ($LASTEXITCODE) { throw "chattr +i $frozen failed ($($LASTEXITCODE): $chattr): the read-only store test needs root and a file system with immutable files." }
        Import-StagedModule
    }

    AfterAll {
        & chattr -i @frozen
        Remove-Module Workflow.PowerShell -ErrorAction Ignore
        Remove-Item $readOnlyHome -Recurse -Force
        $env:WORKFLOW_HOME = $testHome
        Import-StagedModule
    }

    It 'is read by the reading cmdlets' {
        (Get-Workflow).WorkflowId | Should -Be 'image-pipeline-1.0.0'
        $stored = Get-WorkflowRun -First 1
        $stored.State | Should -Be 'Succeeded'
        ($stored | Receive-WorkflowRun).Images | Should -Be 2
        $stored | Get-WorkflowLog | Should -Not -BeNullOrEmpty
        Export-WorkflowGraph -RunId $stored.RunId | Should -Match 'flowchart'
    }

    It 'refuses a write with WorkflowStoreReadOnly' {
        { Start-WorkflowRun image-pipeline-1.0.0 -ErrorAction Stop } |
            Should -Throw -ErrorId 'WorkflowStoreReadOnly,*' -ExpectedMessage '*cannot be opened for writing*writable*'
    }
}

Describe 'A WORKFLOW_HOME that is a file' {
    It 'is refused with a message that says so' {
        $file = Join-Path $testHome 'not-a-folder'
        Set-Content $file 'x'
        $script = Join-Path $testHome 'file-home.ps1'
        Set-Content $script "Import-Module `$env:WORKFLOW_MODULE; try { Get-Workflow -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message }"
        $result = Invoke-ChildPwsh -File $script -Environment @{ WORKFLOW_HOME = $file }
        $lines = $result.Output -split "`r?`n"
        $lines[0] | Should -BeLike 'WorkflowHomeNotAFolder,*'
        $lines[1] | Should -Be 'InvalidArgument'
        $lines[2] | Should -BeLike "*'$file' is a file, not a folder*WORKFLOW_HOME*"
        Get-Content $file | Should -Be 'x'
    }
}
