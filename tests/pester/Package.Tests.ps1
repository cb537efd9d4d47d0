# The package ./build.ps1 -Task Package makes installs the way users install modules: from a
# PSResourceGet repository, then Import-Module by name. Everything the install writes (repository
# settings, the module folder) goes to a sandbox of temp folders, deleted afterwards.
Describe 'The package' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'
    }

    BeforeEach {
        $testHome = New-TestHome
    }

    AfterEach {
        Remove-TestHome $testHome
    }

    It 'installs with Install-PSResource in a fresh pwsh, imports by name and runs a workflow' {
        $manifest = Get-StagedModule
        $version = (Import-PowerShellDataFile $manifest).ModuleVersion
        $package = Join-Path (Get-RepoRoot) "out/Workflow.PowerShell.$version.nupkg"
        $package | Should -Exist -Because 'run ./build.ps1 -Task Package (the Pester task does)'
        (Get-Item $package).LastWriteTimeUtc | Should -BeGreaterOrEqual (Get-Item (Join-Path (Split-Path $manifest) 'Workflow.PowerShell.dll')).LastWriteTimeUtc -Because 'the package holds the module built last: run ./build.ps1 -Task Package'

        $repository = Join-Path $testHome 'repository'
        $sandbox = Join-Path $testHome 'sandbox'
        $null = New-Item -ItemType Directory $repository, "$sandbox/home", "$sandbox/tmp"
        Copy-Item $package $repository
        $script = Join-Path $testHome 'install.ps1'
        Set-Content $script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name WorkflowPackageTest -Uri '$repository' -Trusted
Install-PSResource Workflow.PowerShell -Repository WorkflowPackageTest -TrustRepository -Scope CurrentUser
Import-Module Workflow.PowerShell
`$module = Get-Module Workflow.PowerShell
"module: `$(`$module.Version) `$(`$module.ModuleBase)"
`$definition = New-Workflow -Name hello -Path `$env:WORKFLOW_HOME
Publish-Workflow (Split-Path `$definition.SourceFile) | Start-WorkflowRun -Argument @{ who = 'admin' } -Wait | Receive-WorkflowRun
"@
        # A home of the child's own: PSResourceGet keeps its repositories and installs -Scope CurrentUser
        # modules under it (~/.local/share), and the default PSModulePath looks there. The XDG folders
        # are unset so that both go by the home; temp files go to the sandbox too.
        $child = Invoke-ChildPwsh -File $script -TimeoutSeconds 300 -Environment @{
            HOME            = "$sandbox/home"
            TMPDIR          = "$sandbox/tmp"
            XDG_DATA_HOME   = $null
            XDG_CONFIG_HOME = $null
            XDG_CACHE_HOME  = $null
            PSModulePath    = $null
            WORKFLOW_MODULE = $null
        }

        $child.Errors | Should -BeNullOrEmpty
        $child.ExitCode | Should -Be 0
        $lines = @($child.Output -split "`r?`n" | Where-Object { $_ })
        $lines | Should -Be @("module: $version $sandbox/home/.local/share/powershell/Modules/Workflow.PowerShell/$version", 'ADMIN', 'POWERSHELL')
    }
}
