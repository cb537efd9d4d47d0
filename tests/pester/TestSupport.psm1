# What the Pester files share: a workflow home of their own (deleted afterwards), the staged module
# imported by path as a user does, workflow folders written from text, and child pwsh sessions.
# Import it in BeforeAll: Import-Module "$PSScriptRoot/TestSupport.psm1" -Force

$script:Repo = (Resolve-Path "$PSScriptRoot/../..").Path
$script:StagedModule = Join-Path $script:Repo 'out/Workflow.PowerShell/Workflow.PowerShell.psd1'

function Get-RepoRoot { $script:Repo }

function Get-StagedModule { $script:StagedModule }

function New-TestHome {
    <# Creates an empty workflow home under the temp folder, points $env:WORKFLOW_HOME at it and returns its path. #>
    param([string] $Prefix = 'wf-pester')
    $path = Join-Path ([IO.Path]::GetTempPath()) ("$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $path
    $env:WORKFLOW_HOME = $path
    $path
}

function Remove-TestHome {
    <# Closes the module's engines (they hold the store open) and deletes the home. #>
    param([Parameter(Mandatory)] [string] $Path)
    Remove-Module Workflow.PowerShell -ErrorAction Ignore
    if (Test-Path $Path) { Remove-Item $Path -Recurse -Force -ErrorAction Continue }
    if ($env:WORKFLOW_HOME -eq $Path) { Remove-Item Env:WORKFLOW_HOME }
}

function Import-StagedModule {
    <# Imports the staged module folder into the caller's session (global scope, as Import-Module at a prompt). #>
    if (-not (Test-Path $script:StagedModule)) { throw "The module is not staged at $script:StagedModule: run ./build.ps1 -Task Build." }
    Import-Module $script:StagedModule -Force -Global -ErrorAction Stop
}

function New-TestWorkflow {
    <#
    Writes a workflow folder under the home's src/ from a workflow.yml text and a hashtable of
    other files (relative path => text); returns the folder.
    #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $Yaml,
        [hashtable] $Files = @{}
    )
    $folder = Join-Path $env:WORKFLOW_HOME "src/$Name"
    $null = New-Item -ItemType Directory -Path $folder -Force
    Set-Content -LiteralPath (Join-Path $folder 'workflow.yml') -Value $Yaml -NoNewline
    foreach ($file in $Files.GetEnumerator()) {
        $path = Join-Path $folder $file.Key
        $null = New-Item -ItemType Directory -Path (Split-Path $path) -Force
        Set-Content -LiteralPath $path -Value $file.Value -NoNewline
    }
    $folder
}

function Copy-Example {
    <# Copies an example workflow folder into the home, so a test may change it; returns the copy. #>
    param([Parameter(Mandatory)] [string] $Name)
    $target = Join-Path $env:WORKFLOW_HOME "src/$Name"
    $null = New-Item -ItemType Directory -Path (Split-Path $target) -Force
    Copy-Item (Join-Path $script:Repo "examples/$Name") $target -Recurse
    $target
}

function Get-PwshCommand {
    <# The program and leading arguments that start this same pwsh (the dotnet tool runs as `dotnet pwsh.dll`). #>
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { , @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    else { , @($process) }
}

function Start-ChildPwsh {
    <#
    Starts another pwsh process (another session) on a script file with the staged module's path in
    $env:WORKFLOW_MODULE and the given environment; returns the System.Diagnostics.Process with
    stdout and stderr redirected.
    #>
    param(
        [Parameter(Mandatory)] [string] $File,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{}
    )
    $pwsh = Get-PwshCommand
    $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $info.Environment['WORKFLOW_MODULE'] = $script:StagedModule
    if ($env:WORKFLOW_HOME) { $info.Environment['WORKFLOW_HOME'] = $env:WORKFLOW_HOME }
    foreach ($pair in $Environment.GetEnumerator()) { $info.Environment[$pair.Key] = [string] $pair.Value }
    [Diagnostics.Process]::Start($info)
}

function Invoke-ChildPwsh {
    <# Runs a script file in another pwsh process to its end; returns ExitCode, Output and Errors (text). #>
    param(
        [Parameter(Mandatory)] [string] $File,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 120
    )
    $process = Start-ChildPwsh -File $File -ArgumentList $ArgumentList -Environment $Environment
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        $process.Kill($true)
        throw "pwsh -File $File did not end within $TimeoutSeconds s."
    }
    [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.Result; Errors = $stderr.Result }
}

Export-ModuleMember -Function *
