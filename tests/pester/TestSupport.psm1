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

function Start-Fauxqs {
    <#
    Starts S3 and SQS on loopback (fauxqs 1.9.2 through tools/fauxqs/server.mjs) on a free port and
    points this process at it: AWS_ENDPOINT_URL and test credentials, which child processes inherit.
    Returns the server (Process, Port, Endpoint) for the other *-Fauxqs* functions. Fails when node or
    the fauxqs install is missing (./build.ps1 -Task Pester installs it): it never skips a test.
    With -NoConditions a second If-None-Match: * put of a key succeeds, as in raw fauxqs.
    #>
    param([switch] $NoConditions)
    $folder = Join-Path $script:Repo 'tools/fauxqs'
    if (-not (Test-Path (Join-Path $folder 'node_modules/fauxqs/package.json'))) {
        throw "fauxqs is not installed: run 'npm ci --no-audit --no-fund' in tools/fauxqs (./build.ps1 -Task Pester does)."
    }
    $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $node) { throw 'node is not on PATH: the AWS tests need Node 20 for fauxqs.' }
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $info = [Diagnostics.ProcessStartInfo]::new($node.Source)
    $info.ArgumentList.Add('server.mjs')
    $info.ArgumentList.Add([string] $port)
    if ($NoConditions) { $info.ArgumentList.Add('--no-conditions') }
    $info.WorkingDirectory = $folder
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch 'listening') {
        $null = $process.WaitForExit(5000)
        throw "fauxqs did not start: $line $($process.StandardError.ReadToEnd())"
    }
    # Its 'down'/'up' lines and any error text: read as they come, so the pipes never fill.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $endpoint = "http://127.0.0.1:$port"
    $env:AWS_ENDPOINT_URL = $endpoint
    $env:AWS_ACCESS_KEY_ID = 'test'
    $env:AWS_SECRET_ACCESS_KEY = 'test'
    $env:AWS_EC2_METADATA_DISABLED = 'true'
    Remove-Item Env:WORKFLOW_AWS_BUCKET -ErrorAction Ignore
    [pscustomobject]@{ Process = $process; Port = $port; Endpoint = $endpoint; Output = $stdout; Errors = $stderr }
}

function Stop-Fauxqs {
    <# Stops the server (everything it held is gone) and takes the AWS variables Start-Fauxqs set away again. #>
    param([Parameter(Mandatory)] $Server)
    if (-not $Server.Process.HasExited) { $Server.Process.Kill($true) }
    $null = $Server.Process.WaitForExit(5000)
    $Server.Process.Dispose()
    foreach ($name in 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED') {
        Remove-Item "Env:$name" -ErrorAction Ignore
    }
}

function Send-FauxqsSignal([Diagnostics.Process] $Process, [string] $Name) {
    # The kill program, not an alias: PowerShell on Linux has no kill alias, but other shells' habits do.
    $kill = Get-Command kill -CommandType Application | Select-Object -First 1
    & $kill.Source "-$Name" $Process.Id
    if ($LASTEXITCODE) { throw "kill -$Name $($Process.Id) failed (exit code $LASTEXITCODE)." }
}

function Suspend-Fauxqs {
    <# Takes the endpoint away (connections refused, open ones cut) until Resume-Fauxqs; nothing stored is lost. #>
    param([Parameter(Mandatory)] $Server)
    Send-FauxqsSignal $Server.Process USR1
}

function Resume-Fauxqs {
    <# Brings the endpoint back on the same port, with every queue, message and object kept. #>
    param([Parameter(Mandatory)] $Server)
    Send-FauxqsSignal $Server.Process USR2
}

function Switch-FauxqsCondition {
    <# Turns the server's refusal of a second If-None-Match: * put of a key off, or on again (SIGHUP). #>
    param([Parameter(Mandatory)] $Server)
    Send-FauxqsSignal $Server.Process HUP
    Start-Sleep -Milliseconds 200 # the signal is handled between requests
}

function Start-LambdaFixture {
    <#
    Starts the Lambda control plane on loopback (tools/lambda-fixture/server.mjs: AWS's Lambda model,
    SigV4 checked on every request, functions run through @vercel/fun) on a free port and points
    AWS_ENDPOINT_URL_LAMBDA at it. It accepts one credential pair: by default the AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY this process has (Start-Fauxqs sets test/test), so the module signs its Lambda
    calls as it signs its S3 and SQS ones. With -SqsEndpoint (a Start-Fauxqs server's Endpoint) its
    event-source mappings poll those queues. Returns Endpoint, Port, AccessKey, SecretKey, Process and
    Errors (its stderr, with the functions' output). Fails when node or the npm install is missing
    (./build.ps1 -Task Pester installs it): it never skips a test. End it with Stop-LambdaFixture; it
    ends by itself if this process dies (its standard input closes).
    #>
    param(
        [string] $SqsEndpoint,
        [string] $AccessKey = $(if ($env:AWS_ACCESS_KEY_ID) { $env:AWS_ACCESS_KEY_ID } else { 'test' }),
        [string] $SecretKey = $(if ($env:AWS_SECRET_ACCESS_KEY) { $env:AWS_SECRET_ACCESS_KEY } else { 'test' }),
        [int] $Concurrency = 10,
        [int] $SqsWaitSeconds = 1
    )
    $folder = Join-Path $script:Repo 'tools/lambda-fixture'
    if (-not (Test-Path (Join-Path $folder 'node_modules/@vercel/fun/package.json'))) {
        throw "The Lambda fixture is not installed: run 'npm ci --no-audit --no-fund' in tools/lambda-fixture (./build.ps1 -Task Pester does)."
    }
    $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $node) { throw 'node is not on PATH: the Lambda tests need Node 20 for the Lambda fixture.' }
    $info = [Diagnostics.ProcessStartInfo]::new($node.Source)
    $arguments = @('server.mjs', '--access-key', $AccessKey, '--secret-key', $SecretKey, '--concurrency', $Concurrency, '--sqs-wait-seconds', $SqsWaitSeconds, '--stdin-lifeline')
    if ($SqsEndpoint) { $arguments += '--sqs-endpoint', $SqsEndpoint }
    foreach ($argument in $arguments) { $info.ArgumentList.Add([string] $argument) }
    $info.WorkingDirectory = $folder
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch 'listening on (\S+)') {
        $null = $process.WaitForExit(5000)
        throw "The Lambda fixture did not start: $line $($process.StandardError.ReadToEnd())"
    }
    $endpoint = $Matches[1]
    # The functions' output comes on these streams too: read as it comes, so the pipes never fill.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $env:AWS_ENDPOINT_URL_LAMBDA = $endpoint
    [pscustomobject]@{
        Process = $process; Port = ([uri] $endpoint).Port; Endpoint = $endpoint
        AccessKey = $AccessKey; SecretKey = $SecretKey; Output = $stdout; Errors = $stderr
    }
}

function Stop-LambdaFixture {
    <# Stops the fixture (SIGTERM: it stops its functions' processes; then SIGKILL to the tree if it lingers) and removes AWS_ENDPOINT_URL_LAMBDA. #>
    param([Parameter(Mandatory)] $Fixture)
    if (-not $Fixture.Process.HasExited) {
        $kill = Get-Command kill -CommandType Application | Select-Object -First 1
        & $kill.Source -TERM $Fixture.Process.Id
        if (-not $Fixture.Process.WaitForExit(8000)) { $Fixture.Process.Kill($true) }
    }
    $null = $Fixture.Process.WaitForExit(5000)
    $Fixture.Process.Dispose()
    if ($env:AWS_ENDPOINT_URL_LAMBDA -eq $Fixture.Endpoint) { Remove-Item Env:AWS_ENDPOINT_URL_LAMBDA }
}

function Get-FauxqsObjectKey {
    <# The keys of a bucket's objects under a prefix; none when the bucket is missing. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Bucket, [string] $Prefix = '')
    $response = Invoke-WebRequest -Uri "$($Server.Endpoint)/$Bucket`?list-type=2&prefix=$([uri]::EscapeDataString($Prefix))" -SkipHttpErrorCheck
    if ($response.StatusCode -ne 200) { return }
    ([xml] $response.Content).ListBucketResult.Contents | Where-Object { $_ } | ForEach-Object Key
}

function Test-FauxqsBucket {
    <# Whether a bucket exists. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Bucket)
    (Invoke-WebRequest -Method Head -Uri "$($Server.Endpoint)/$Bucket" -SkipHttpErrorCheck).StatusCode -eq 200
}

function Get-FauxqsQueueList($Server) {
    # Assigned first: Invoke-RestMethod writes a JSON array as one object, and a pipeline must enumerate it.
    $queues = Invoke-RestMethod "$($Server.Endpoint)/_fauxqs/queues"
    $queues
}

function Get-FauxqsQueue {
    <# A queue's messages, from fauxqs' own view: Ready and InFlight; fails when there is no such queue. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Name)
    $queue = Get-FauxqsQueueList $Server | Where-Object name -eq $Name
    if (-not $queue) { throw "No queue '$Name'." }
    [pscustomobject]@{ Ready = [int] $queue.approximateMessageCount; InFlight = [int] $queue.approximateInflightCount }
}

function Test-FauxqsQueue {
    <# Whether a queue of that name exists. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Name)
    [bool] (Get-FauxqsQueueList $Server | Where-Object name -eq $Name)
}

function Invoke-FauxqsSqs {
    # One SQS call in its JSON protocol, as a tool other than the module would make it.
    param($Server, [string] $Action, [hashtable] $Body)
    $headers = @{ 'X-Amz-Target' = "AmazonSQS.$Action" }
    Invoke-RestMethod -Method Post -Uri "$($Server.Endpoint)/" -Headers $headers -ContentType 'application/x-amz-json-1.0' -Body ($Body | ConvertTo-Json -Compress)
}

function Send-FauxqsMessage {
    <# Sends a raw message body to a queue, as something other than the module might. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $QueueName, [Parameter(Mandatory)] [string] $Body)
    $url = (Invoke-FauxqsSqs $Server GetQueueUrl @{ QueueName = $QueueName }).QueueUrl
    $null = Invoke-FauxqsSqs $Server SendMessage @{ QueueUrl = $url; MessageBody = $Body }
}

function Copy-FauxqsMessage {
    <#
    Peeks at up to ten messages of a queue and sends a second message with the body of each one not
    in -Seen (which the bodies are added to): a duplicate delivery, as SQS may make. The peek is a
    receive with visibility 0, so the message stays where it is and its receive count goes up, as
    after a lease that ran out. Returns how many copies it sent.
    #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $QueueName, [Parameter(Mandatory)] [AllowEmptyCollection()] [Collections.Generic.HashSet[string]] $Seen)
    $url = (Invoke-FauxqsSqs $Server GetQueueUrl @{ QueueName = $QueueName }).QueueUrl
    $peek = Invoke-FauxqsSqs $Server ReceiveMessage @{ QueueUrl = $url; MaxNumberOfMessages = 10; VisibilityTimeout = 0; WaitTimeSeconds = 0 }
    $sent = 0
    foreach ($message in @($peek.Messages)) {
        if ($message -and $Seen.Add($message.Body)) {
            $null = Invoke-FauxqsSqs $Server SendMessage @{ QueueUrl = $url; MessageBody = $message.Body }
            $sent++
        }
    }
    $sent
}

function New-FauxqsForeignQueue {
    <# Creates a queue without the module's tag, as another tool would. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Name)
    $null = Invoke-FauxqsSqs $Server CreateQueue @{ QueueName = $Name }
}

function New-FauxqsForeignBucket {
    <# Creates a bucket with an object in it (someone-else.txt), as another tool would. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Bucket)
    $null = Invoke-WebRequest -Method Put -Uri "$($Server.Endpoint)/$Bucket"
    $null = Invoke-WebRequest -Method Put -Uri "$($Server.Endpoint)/$Bucket/someone-else.txt" -Body 'theirs'
}

function Test-FauxqsObject {
    <# Whether an object exists in a bucket. #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Bucket, [Parameter(Mandatory)] [string] $Key)
    (Invoke-WebRequest -Uri "$($Server.Endpoint)/$Bucket/$Key" -SkipHttpErrorCheck).StatusCode -eq 200
}

function Start-TestWorker {
    <#
    A Start-WorkflowWorker for -Region (aws:us-east-1) in a pwsh process of its own, with a workflow
    home of its own under -TestHome (another machine); its streams become lines of worker.log,
    verbose and warning lines prefixed VERBOSE: and WARNING:.
    #>
    param([string] $TestHome, [int] $Index, [string] $Bucket, [int] $Concurrency = 2, [int] $LeaseSeconds = 5, [string] $Region = 'aws:us-east-1')
    $workerHome = Join-Path $TestHome "worker-$Index"
    $null = New-Item -ItemType Directory $workerHome
    $script = Join-Path $workerHome 'worker.ps1'
    Set-Content $script @"
Import-Module `$env:WORKFLOW_MODULE -ErrorAction Stop
Start-WorkflowWorker -Region $Region -Bucket $Bucket -Concurrency $Concurrency -LeaseSeconds $LeaseSeconds -Verbose *>&1 | ForEach-Object {
    if (`$_ -is [System.Management.Automation.VerboseRecord]) { "VERBOSE: `$_" }
    elseif (`$_ -is [System.Management.Automation.WarningRecord]) { "WARNING: `$_" }
    else { "`$_" }
}
"@
    $log = Join-Path $workerHome 'worker.log'
    $process = Start-ChildPwsh -File $script -Environment @{ WORKFLOW_HOME = $workerHome } -OutputFile $log
    [pscustomobject]@{ Index = $Index; Process = $process; Log = $log }
}

function Get-TestWorkerLine($Worker) {
    <# What a worker from Start-TestWorker has written so far, its error stream included. #>
    foreach ($file in $Worker.Log, "$($Worker.Log).err") { if (Test-Path $file) { Get-Content $file } }
}

function Wait-TestWorker([object[]] $Workers, [string] $Pattern, [int] $Seconds) {
    <# Until every worker has written a line matching the pattern; whether they all did in time. #>
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    do {
        $waiting = @($Workers | Where-Object { -not (Get-TestWorkerLine $_ | Where-Object { $_ -match $Pattern }) })
        if (-not $waiting) { return $true }
        Start-Sleep -Milliseconds 250
    } while ([DateTime]::UtcNow -lt $deadline)
    $false
}

function New-PwshShim {
    <#
    Writes a folder with a `pwsh` program that starts this same pwsh (the dotnet tool has no pwsh on
    PATH of its own), for a Lambda bootstrap that looks for pwsh on PATH; returns the folder.
    #>
    param([Parameter(Mandatory)] [string] $Folder)
    $null = New-Item -ItemType Directory -Path $Folder -Force
    $command = Get-PwshCommand
    $pwsh = ($command | ForEach-Object { "'$_'" }) -join ' '
    $shim = Join-Path $Folder 'pwsh'
    Set-Content -LiteralPath $shim -Value "#!/bin/sh`nexec $pwsh `"`$@`"`n" -NoNewline
    chmod +x $shim
    $Folder
}

function New-LambdaTaskRoot {
    <# The folder a worker function's package unzips to: the module's lambda/bootstrap and the staged module beside it; returns it. #>
    param([Parameter(Mandatory)] [string] $Folder)
    $module = Split-Path $script:StagedModule
    $null = New-Item -ItemType Directory -Path $Folder -Force
    Copy-Item (Join-Path $module 'lambda/bootstrap') (Join-Path $Folder 'bootstrap')
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $Folder 'Workflow.PowerShell') -Target $module
    $Folder
}

function Start-FunHost {
    <#
    Runs a function through @vercel/fun (tests/pester/lambda/fun-host.mjs; fun from the lambda
    fixture's install): -Directory is its unzipped package, -Environment its variables, -Path what is
    put before PATH (a pwsh shim). Returns the host for Invoke-FunHost and Stop-FunHost. Fails when
    node or fun is missing: it never skips a test.
    #>
    param([Parameter(Mandatory)] [string] $Directory, [hashtable] $Environment = @{}, [string] $Path, [string] $FunctionName = 'workflow-test', [int] $Timeout = 60, [switch] $SystemPathOnly)
    $node = Get-Command node -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $node) { throw 'node is not on PATH: the Lambda tests need Node 20 for @vercel/fun.' }
    $fun = if ($env:FUN_MODULE) { $env:FUN_MODULE } else { Join-Path $script:Repo 'tools/lambda-fixture/node_modules/@vercel/fun/dist/src/index.js' }
    if (-not (Test-Path $fun)) { throw "@vercel/fun is not installed at ${fun}: run 'npm ci --no-audit --no-fund' in tools/lambda-fixture (./build.ps1 -Task Pester does)." }
    $settings = @{ Directory = $Directory; FunctionName = $FunctionName; Timeout = $Timeout; Environment = $Environment } | ConvertTo-Json -Compress
    $info = [Diagnostics.ProcessStartInfo]::new($node.Source)
    $info.ArgumentList.Add((Join-Path $PSScriptRoot 'lambda/fun-host.mjs'))
    $info.ArgumentList.Add($settings)
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $info.Environment['FUN_MODULE'] = $fun
    # fun gives the bootstrap its own PATH; -SystemPathOnly leaves only the system's folders in it.
    $basePath = if ($SystemPathOnly) { '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } else { $env:PATH }
    $info.Environment['PATH'] = if ($Path) { $Path + [IO.Path]::PathSeparator + $basePath } else { $basePath }
    $process = [Diagnostics.Process]::Start($info)
    $log = [Text.StringBuilder]::new()
    # The bootstrap's own output (pwsh's verbose lines) comes on fun's stderr and stdout: kept for failures.
    $errors = $process.StandardError.ReadToEndAsync()
    $fun = [pscustomobject]@{ Process = $process; Errors = $errors; Log = $log }
    $ready = Read-FunHostLine $fun 60
    if ($ready -notmatch '"ready"') { throw "fun did not start: $ready $($log.ToString())" }
    $fun
}

function Read-FunHostLine($FunHost, [int] $Seconds) {
    # The next JSON line of fun-host.mjs; the bootstrap's own lines on the same stdout go to the log.
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while ($true) {
        $left = $deadline - [DateTime]::UtcNow
        if ($left -le [TimeSpan]::Zero) { throw "fun answered nothing within $Seconds s. Its output: $($FunHost.Log.ToString())" }
        $pending = $FunHost.PSObject.Properties['Pending'].Value
        if (-not $pending) { $pending = $FunHost.Process.StandardOutput.ReadLineAsync() }
        if (-not $pending.Wait($left)) { $FunHost | Add-Member -NotePropertyName Pending -NotePropertyValue $pending -Force; continue }
        $FunHost | Add-Member -NotePropertyName Pending -NotePropertyValue $null -Force
        $line = $pending.Result
        if ($null -eq $line) { throw "fun ended. Its output: $($FunHost.Log.ToString()) $($FunHost.Errors.Result)" }
        # The bootstrap writes to the same stdout: its text may stand before the marker on one line.
        $at = $line.IndexOf('@@fun-host@@')
        if ($at -lt 0) { $null = $FunHost.Log.AppendLine($line); continue }
        if ($at -gt 0) { $null = $FunHost.Log.AppendLine($line.Substring(0, $at)) }
        return $line.Substring($at + '@@fun-host@@'.Length)
    }
}

function Invoke-FunHost {
    <# Invokes the function with an event (JSON text) and waits for its result: StatusCode, FunctionError, Payload (parsed when JSON), ms. #>
    param([Parameter(Mandatory)] $FunHost, [Parameter(Mandatory)] [string] $EventJson, [int] $TimeoutSeconds = 120)
    $FunHost.Process.StandardInput.WriteLine(($EventJson -replace "`r?`n", ' '))
    $FunHost.Process.StandardInput.Flush()
    $result = Read-FunHostLine $FunHost $TimeoutSeconds | ConvertFrom-Json
    $payload = try { $result.Payload | ConvertFrom-Json } catch { $result.Payload }
    [pscustomobject]@{ StatusCode = $result.StatusCode; FunctionError = $result.FunctionError; Payload = $payload; ms = $result.ms }
}

function Stop-FunHost {
    <# Ends fun (it stops the bootstrap's process tree) and returns what the bootstrap wrote. #>
    param([Parameter(Mandatory)] $FunHost)
    $FunHost.Process.StandardInput.Close()
    if (-not $FunHost.Process.WaitForExit(15000)) { $FunHost.Process.Kill($true) }
    $FunHost.Log.ToString() + $FunHost.Errors.Result
}

function Receive-SqsEvent {
    <#
    Receives up to -Max messages of a queue as an event-source mapping does and returns the SQS event
    a function is invoked with ({"Records": [...]}, records as Lambda shapes them), and the records.
    #>
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $QueueName, [int] $Max = 10, [int] $VisibilityTimeout = 30, [int] $WaitSeconds = 1)
    $url = (Invoke-FauxqsSqs $Server GetQueueUrl @{ QueueName = $QueueName }).QueueUrl
    $arn = (Invoke-FauxqsSqs $Server GetQueueAttributes @{ QueueUrl = $url; AttributeNames = @('QueueArn') }).Attributes.QueueArn
    $received = Invoke-FauxqsSqs $Server ReceiveMessage @{ QueueUrl = $url; MaxNumberOfMessages = $Max; VisibilityTimeout = $VisibilityTimeout; WaitTimeSeconds = $WaitSeconds; MessageSystemAttributeNames = @('All') }
    $records = @(foreach ($message in @($received.Messages)) {
        if (-not $message) { continue }
        [ordered]@{
            messageId = $message.MessageId; receiptHandle = $message.ReceiptHandle; body = $message.Body
            attributes = $message.Attributes; messageAttributes = @{}; md5OfBody = $message.MD5OfBody
            eventSource = 'aws:sqs'; eventSourceARN = $arn; awsRegion = ($arn -split ':')[3]
        }
    })
    [pscustomobject]@{ Json = (@{ Records = $records } | ConvertTo-Json -Depth 6 -Compress); Records = $records; QueueUrl = $url }
}

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
