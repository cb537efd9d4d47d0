# The module as a user meets it: import, load contexts, type literals, help, completion, table
# views, -WhatIf and -Confirm. Each test has a workflow home of its own, deleted afterwards.
BeforeDiscovery {
    $Cmdlets = @(
        'New-Workflow', 'Test-Workflow', 'Publish-Workflow', 'Get-Workflow', 'Remove-Workflow',
        'Start-WorkflowRun', 'Get-WorkflowRun', 'Wait-WorkflowRun', 'Stop-WorkflowRun', 'Resume-WorkflowRun',
        'Receive-WorkflowRun', 'Get-WorkflowLog', 'Export-WorkflowGraph',
        'Start-WorkflowWorker', 'Get-WorkflowDeadLetter', 'Restore-WorkflowDeadLetter', 'Sync-WorkflowLog',
        'Invoke-DataCollector', 'Find-WorkflowDeployment', 'Move-WorkflowDeployment'
    )
}

Describe 'The Workflow.PowerShell module' -ForEach @{ Cmdlets = $Cmdlets } {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        # An error nobody expected fails the test, a cmdlet's non-terminating one included.
        $ErrorActionPreference = 'Stop'

        function Get-TableHeader {
            # The column headers of the default table view, without the ANSI styling of a terminal.
            param([Parameter(ValueFromPipeline)] $InputObject)
            end {
                $text = ($input | Format-Table | Out-String -Width 250) -replace "`e\[[0-9;]*m", ''
                $line = $text -split "`r?`n" | Where-Object { $_.Trim() } | Select-Object -First 1
                -split $line
            }
        }
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
    }

    AfterEach {
        Remove-TestHome $testHome
    }

    Context 'Importing the staged module' {
        BeforeAll {
            # One fresh pwsh for the first import and for two more with -Force in the same session.
            $childHome = New-TestHome
            $script = Join-Path $childHome 'import.ps1'
            Set-Content $script @'
$ErrorActionPreference = 'Stop'
Import-Module $env:WORKFLOW_MODULE
(Get-Command -Module Workflow.PowerShell).Name | Sort-Object
# The native SQLite library is found from the staged folder: a store call works.
"workflows: $(@(Get-Workflow).Count)"
Import-Module $env:WORKFLOW_MODULE -Force
Import-Module $env:WORKFLOW_MODULE -Force
"cmdlets: $(@(Get-Command -Module Workflow.PowerShell).Count)"
"type: $([Workflow.Model.WorkflowRun].FullName)"
$definition = New-Workflow -Name again -Path $env:WORKFLOW_HOME
$run = Publish-Workflow (Split-Path $definition.SourceFile) | Start-WorkflowRun -Wait
"run: $($run -is [Workflow.Model.WorkflowRun]) $($run.State)"
'@
            $child = Invoke-ChildPwsh -File $script
            $lines = @($child.Output -split "`r?`n" | Where-Object { $_ })
            Remove-TestHome $childHome
        }

        It 'imports in a fresh pwsh, exports every cmdlet and opens its SQLite store' {
            $child.Errors | Should -BeNullOrEmpty
            $child.ExitCode | Should -Be 0
            $lines | Select-Object -First $Cmdlets.Count | Should -Be ($Cmdlets | Sort-Object)
            $lines[$Cmdlets.Count] | Should -Be 'workflows: 0'
        }

        It 'resolves type literals and keeps every cmdlet through Import-Module -Force twice in one session' {
            $child.Errors | Should -BeNullOrEmpty
            $lines | Select-Object -Skip ($Cmdlets.Count + 1) | Should -Be @(
                "cmdlets: $($Cmdlets.Count)", 'type: Workflow.Model.WorkflowRun', 'run: True Succeeded')
        }

        It 'loads the engine and its dependencies in the module''s own load context, not the default one' {
            $null = Publish-Workflow (Copy-Example command-steps) # reads workflow.yml: YamlDotNet is loaded
            $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Workflow.Core' }
            $alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(@($core)[0])
            $alc.GetType().Name | Should -Be 'ModuleLoadContext'
            @($alc.Assemblies | ForEach-Object { $_.GetName().Name }) | Should -Contain 'YamlDotNet'
            @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { $_.GetName().Name -eq 'YamlDotNet' }).Count | Should -Be 0
            # The types users see are in the default context: type literals name them.
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([Workflow.Model.WorkflowInfo].Assembly) |
                Should -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default)
        }

        It 'loads its format and type files' {
            $module = Get-Module Workflow.PowerShell
            $module.ExportedFormatFiles | Split-Path -Leaf | Should -Contain 'Workflow.PowerShell.format.ps1xml'
            $module.ExportedTypeFiles | Split-Path -Leaf | Should -Contain 'Workflow.PowerShell.types.ps1xml'
        }

        It 'parses every PowerShell script in the repository' {
            # A walk that leaves build output, installed packages and git's folder out without entering them.
            $scripts = [Collections.Generic.List[IO.FileInfo]]::new()
            $folders = [Collections.Generic.Stack[IO.DirectoryInfo]]::new()
            $folders.Push([IO.DirectoryInfo]::new((Get-RepoRoot)))
            while ($folders.Count) {
                $folder = $folders.Pop()
                foreach ($entry in $folder.EnumerateFileSystemInfos()) {
                    if ($entry -is [IO.DirectoryInfo]) { if ($entry.Name -notin 'bin', 'obj', 'out', 'node_modules', '.git') { $folders.Push($entry) } }
                    elseif ($entry.Extension -in '.ps1', '.psm1', '.psd1') { $scripts.Add($entry) }
                }
            }
            $scripts.Name | Should -Contain 'Module.Tests.ps1'
            $scripts.Name | Should -Contain 'build.ps1'
            foreach ($script in $scripts) {
                $errors = $null
                $null = [System.Management.Automation.Language.Parser]::ParseFile($script.FullName, [ref] $null, [ref] $errors)
                $errors | ForEach-Object { "$($script.FullName):$($_.Extent.StartLineNumber): $($_.Message)" } | Should -BeNullOrEmpty
            }
        }
    }

    Context 'Help' {
        It '<_> has a synopsis, described parameters and an example' -ForEach $Cmdlets {
            $help = Get-Help $_ -Full
            $help.Synopsis | Should -Not -BeNullOrEmpty
            # Without a help file, Get-Help makes a synopsis of the syntax: "<cmdlet> [-Param] ...".
            $help.Synopsis | Should -Not -BeLike "$_ *"
            @((Get-Help $_ -Examples).examples.example).Count | Should -BeGreaterOrEqual 1
            $help.parameters.parameter | Where-Object { -not $_.description } | ForEach-Object name | Should -BeNullOrEmpty
        }
    }

    Context 'Tab completion' {
        BeforeEach {
            $run = Publish-Workflow (Copy-Example command-steps) | Start-WorkflowRun -Wait
        }

        It 'completes workflow ids' {
            Get-Completion 'Start-WorkflowRun -WorkflowId comm' | Should -Contain 'command-steps-1.0.0'
            Get-Completion 'Get-Workflow comm' | Should -Contain 'command-steps-1.0.0'
            Get-Completion 'Start-WorkflowRun -WorkflowId nothing-like-it' | Should -BeNullOrEmpty
        }

        It 'completes run ids' {
            Get-Completion ('Get-WorkflowLog -RunId ' + $run.RunId.Substring(0, 4)) | Should -Contain $run.RunId
            Get-Completion ('Receive-WorkflowRun ' + $run.RunId.Substring(0, 4)) | Should -Contain $run.RunId
        }

        It 'completes regions' {
            $aws = Get-Completion 'Publish-Workflow ./x -Region aws:us-ea'
            $aws | Should -Contain 'aws:us-east-1'
            $aws | Should -Contain 'aws:us-east-2'
            $aws | Should -Not -Contain 'aws:eu-west-1'
        }
    }

    Context 'Default table views' {
        BeforeEach {
            $workflow = Publish-Workflow (Copy-Example image-pipeline)
            $run = $workflow | Start-WorkflowRun -Argument @{ count = 2 } -Wait
        }

        It 'shows a WorkflowInfo as WorkflowId, Steps, HomeRegion, Regions, PublishedAt, Description' {
            $workflow | Get-TableHeader | Should -Be @('WorkflowId', 'Steps', 'HomeRegion', 'Regions', 'PublishedAt', 'Description')
        }

        It 'shows a WorkflowRun as RunId, WorkflowId, State, Steps, Duration, Error' {
            $run | Get-TableHeader | Should -Be @('RunId', 'WorkflowId', 'State', 'Steps', 'Duration', 'Error')
        }

        It 'shows a StepRun as Step, State, Attempt, Items, Region, Error' {
            $run.Steps | Get-TableHeader | Should -Be @('Step', 'State', 'Attempt', 'Items', 'Region', 'Error')
        }
    }

    Context 'Changing cmdlets' {
        It '<_> takes -WhatIf and -Confirm' -ForEach @('New-Workflow', 'Publish-Workflow', 'Remove-Workflow', 'Start-WorkflowRun', 'Stop-WorkflowRun', 'Resume-WorkflowRun', 'Restore-WorkflowDeadLetter', 'Move-WorkflowDeployment') {
            (Get-Command $_).Parameters.Keys | Should -Contain 'WhatIf'
            (Get-Command $_).Parameters.Keys | Should -Contain 'Confirm'
        }

        It 'change nothing with -WhatIf' {
            New-Workflow -Name scaffold -Path $testHome -WhatIf | Should -BeNullOrEmpty
            Join-Path $testHome scaffold | Should -Not -Exist

            $folder = New-TestWorkflow -Name sleepy -Yaml "name: sleepy`nversion: 1.0.0`nsteps:`n  - name: nap`n    command: [sleep, '30']`n"
            Publish-Workflow $folder -WhatIf | Should -BeNullOrEmpty
            Get-Workflow | Should -BeNullOrEmpty
            $null = Publish-Workflow $folder

            Start-WorkflowRun sleepy-1.0.0 -WhatIf | Should -BeNullOrEmpty
            Get-WorkflowRun | Should -BeNullOrEmpty

            $run = Start-WorkflowRun sleepy-1.0.0
            Stop-WorkflowRun $run.RunId -PassThru -WhatIf | Should -BeNullOrEmpty
            (Get-WorkflowRun $run.RunId).State | Should -BeIn @('Queued', 'Running') # not stopped, however soon it is asked
            Resume-WorkflowRun $run.RunId -WhatIf | Should -BeNullOrEmpty
            $null = Stop-WorkflowRun $run.RunId -PassThru

            Remove-Workflow sleepy-1.0.0 -PassThru -WhatIf | Should -BeNullOrEmpty
            (Get-Workflow).WorkflowId | Should -Be 'sleepy-1.0.0'
        }

        It 'ask nothing with -Confirm:$false, even when $ConfirmPreference would ask for every change' {
            # In a -NonInteractive pwsh a confirmation prompt is an error: none may be asked.
            $script = Join-Path $testHome 'confirm.ps1'
            Set-Content $script @'
Import-Module $env:WORKFLOW_MODULE -ErrorAction Stop
$ConfirmPreference = 'Low'
try { New-Workflow -Name asked -Path $env:WORKFLOW_HOME; 'not asked' } catch { if ("$_" -like '*NonInteractive*') { 'asked' } else { "failed: $_" } }
$ErrorActionPreference = 'Stop'
$definition = New-Workflow -Name hello -Path $env:WORKFLOW_HOME -Confirm:$false
$workflow = Publish-Workflow (Split-Path $definition.SourceFile) -Confirm:$false
$run = Start-WorkflowRun $workflow.WorkflowId -Wait -Confirm:$false
Resume-WorkflowRun $run.RunId -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable resumed
"resumed: $($resumed.FullyQualifiedErrorId)"
$sleepy = Join-Path $env:WORKFLOW_HOME sleepy
$null = [IO.Directory]::CreateDirectory($sleepy)
[IO.File]::WriteAllText("$sleepy/workflow.yml", "name: sleepy`nversion: 1.0.0`nsteps:`n  - name: nap`n    command: [sleep, '30']`n")
$running = Publish-Workflow $sleepy -Confirm:$false | Start-WorkflowRun -Confirm:$false
"stopped: $((Stop-WorkflowRun $running.RunId -PassThru -Confirm:$false).State)"
"removed: $((Remove-Workflow $workflow.WorkflowId, sleepy-1.0.0 -PassThru -Confirm:$false).WorkflowId -join ', ')"
"left: $(@(Get-Workflow).Count)"
'@
            $child = Invoke-ChildPwsh -File $script
            $child.Errors | Should -BeNullOrEmpty
            $child.ExitCode | Should -Be 0
            $child.Output -split "`r?`n" | Where-Object { $_ } | Should -Be @(
                'asked', 'resumed: WorkflowRunAlreadyFinished,Workflow.PowerShell.Commands.ResumeWorkflowRunCommand', 'stopped: Cancelled', 'removed: hello-1.0.0, sleepy-1.0.0', 'left: 0')
        }
    }
}
