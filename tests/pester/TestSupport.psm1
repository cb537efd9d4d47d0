# What the Pester files share: a workflow home of their own (deleted afterwards), the staged module
# imported by path as a user does, workflow folders written from text, child pwsh sessions, S3 and
# SQS on loopback (fauxqs), the Lambda fixture and SQLite's own shell. A missing backend fails loudly, never skips.
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

function New-ChainWorkflow {
    <# Writes a workflow of PowerShell steps s1 -> s2 -> ... -> s<Count>, each running step.ps1 with the given text; returns the folder. #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [int] $Count,
        [Parameter(Mandatory)] [string] $StepScript
    )
    $steps = foreach ($i in 1..$Count) { "  - name: s$i`n" + $(if ($i -gt 1) { "    needs: [s$($i - 1)]`n" }) + "    run: step.ps1`n" }
    New-TestWorkflow -Name $Name -Yaml ("name: $Name`nversion: 1.0.0`nsteps:`n" + -join $steps) -Files @{ 'step.ps1' = $StepScript }
}

function New-FanWorkflow {
    <#
    Writes the workflow the AWS and reliability tests run, fan-out and fan-in: split, three resizes,
    left (fails while $env:LEFT_NEEDS names a file that does not exist), join, tail. With
    $env:JOIN_LOG set, join leaves a file '<runId> <pid> <guid>' there each time it runs: one file
    per execution, as appends from several processes to one file can overwrite each other.
    #>
    New-TestWorkflow -Name fan -Yaml @'
name: fan
version: 1.0.0
steps:
  - name: split
    run: steps/split.ps1
  - name: resize
    needs: split
    foreach: steps.split.output.images
    run: steps/resize.ps1
  - name: left
    needs: split
    run: steps/left.ps1
  - name: join
    needs: [resize, left]
    run: steps/join.ps1
  - name: tail
    needs: join
    run: steps/tail.ps1
'@ -Files @{
        'steps/split.ps1'  = "param(`$Context)`n@{ images = @(1, 2, 3) }`n"
        'steps/resize.ps1' = "param(`$Context)`n`$Context.item * 10`n"
        'steps/left.ps1'   = "param(`$Context)`nWrite-Verbose 'left ran'`nif (`$env:LEFT_NEEDS -and -not [IO.File]::Exists(`$env:LEFT_NEEDS)) { throw `"missing `$env:LEFT_NEEDS`" }`n'L'`n"
        'steps/join.ps1'   = "param(`$Context)`nif (`$env:JOIN_LOG) { [IO.File]::WriteAllText([IO.Path]::Combine(`$env:JOIN_LOG, `"`$(`$Context.context.runId) `$PID `$([guid]::NewGuid())`"), '') }`n`$sum = 0`nforeach (`$n in `$Context.steps.resize) { `$sum += `$n }`n@{ sum = `$sum; left = `$Context.steps.left }`n"
        'steps/tail.ps1'   = "param(`$Context)`n@{ total = `$Context.steps.join.sum + 1 }`n"
    }
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
    $env:WORKFLOW_MODULE and the given environment (a $null value removes a variable); returns the
    System.Diagnostics.Process with stdout and stderr redirected. With -OutputFile, .NET copies
    stdout to that file and stderr to that file + '.err' as they come (a long-running child never
    blocks on a full pipe; read the files with Get-Content); end such a child with Stop-ChildPwsh.
    #>
    param(
        [Parameter(Mandatory)] [string] $File,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [string] $OutputFile
    )
    $pwsh = Get-PwshCommand
    $info = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $info.Environment['WORKFLOW_MODULE'] = $script:StagedModule
    if ($env:WORKFLOW_HOME) { $info.Environment['WORKFLOW_HOME'] = $env:WORKFLOW_HOME }
    foreach ($pair in $Environment.GetEnumerator()) {
        if ($null -eq $pair.Value) { $null = $info.Environment.Remove($pair.Key) }
        else { $info.Environment[$pair.Key] = [string] $pair.Value }
    }
    $process = [Diagnostics.Process]::Start($info)
    if ($OutputFile) {
        # Unbuffered file streams (buffer size 1), shared for reading: the test reads lines as they come.
        $copies = foreach ($pair in @(@($process.StandardOutput, $OutputFile), @($process.StandardError, "$OutputFile.err"))) {
            $stream = [IO.FileStream]::new($pair[1], 'Create', 'Write', 'ReadWrite', 1)
            [pscustomobject]@{ Stream = $stream; Task = $pair[0].BaseStream.CopyToAsync($stream) }
        }
        $process | Add-Member -NotePropertyName OutputCopies -NotePropertyValue @($copies)
    }
    $process
}

function Stop-ChildPwsh {
    <#
    Ends a child pwsh with SIGKILL (no cleanup runs in it: what a crash or a power cut does) unless it
    has already exited, waits for it, and closes the files its output was copied to.
    #>
    param([Parameter(Mandatory, ValueFromPipeline)] [Diagnostics.Process] $Process)
    process {
        if (-not $Process.HasExited) { $Process.Kill() }
        $Process.WaitForExit()
        foreach ($copy in $Process.PSObject.Properties['OutputCopies'].Value) {
            $null = $copy.Task.Wait(5000)
            $copy.Stream.Dispose()
        }
    }
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

function Invoke-Sqlite3 {
    <#
    Runs SQL on a store file with SQLite's own command-line shell, an outside check of the file the
    module wrote; returns its output, trimmed. Fails when sqlite3 is not installed.
    #>
    param([Parameter(Mandatory)] [string] $Database, [Parameter(Mandatory)] [string] $Sql)
    $sqlite3 = Get-Command sqlite3 -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $sqlite3) { throw 'sqlite3 is not installed (apt-get install sqlite3; .ci/run does).' }
    $output = & $sqlite3.Source $Database $Sql
    if ($LASTEXITCODE) { throw "sqlite3 '$Database' '$Sql' failed (exit code $LASTEXITCODE): $output" }
    ($output -join "`n").Trim()
}

# The AWS and Lambda helpers live in files of their own, in this module's scope.
. "$PSScriptRoot/TestSupport.Aws.ps1"
. "$PSScriptRoot/TestSupport.Lambda.ps1"

function Get-Completion([string] $Text) {
    <# What Tab completes for the text, as a session's TabExpansion2 gives it. #>
    (TabExpansion2 -inputScript $Text -cursorColumn $Text.Length).CompletionMatches.CompletionText
}

Export-ModuleMember -Function @(
    'Get-RepoRoot', 'Get-StagedModule', 'New-TestHome', 'Remove-TestHome', 'Import-StagedModule',
    'New-TestWorkflow', 'New-ChainWorkflow', 'New-FanWorkflow', 'Copy-Example',
    'Get-PwshCommand', 'Start-ChildPwsh', 'Stop-ChildPwsh', 'Invoke-ChildPwsh', 'Invoke-Sqlite3',
    'Start-Fauxqs', 'Stop-Fauxqs', 'Start-LambdaFixture', 'Stop-LambdaFixture', 'Suspend-Fauxqs', 'Resume-Fauxqs', 'Switch-FauxqsCondition', 'Get-FauxqsObjectKey', 'Test-FauxqsBucket', 'Get-FauxqsQueue', 'Get-FauxqsQueueList', 'Test-FauxqsQueue',
    'Invoke-FauxqsSqs', 'Send-FauxqsMessage', 'Copy-FauxqsMessage', 'New-FauxqsForeignQueue', 'New-FauxqsForeignBucket', 'Test-FauxqsObject',
    'Start-TestWorker', 'Get-TestWorkerLine', 'Wait-TestWorker', 'Get-Completion',
    'New-PwshShim', 'New-LambdaTaskRoot', 'Start-FunHost', 'Invoke-FunHost', 'Stop-FunHost', 'Receive-SqsEvent'
)
