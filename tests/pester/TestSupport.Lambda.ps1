# The Lambda control-plane fixture (tools/lambda-fixture) and @vercel/fun running a worker function's
# bootstrap, with the SQS events the tests hand it; dot-sourced by TestSupport.psm1.

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
