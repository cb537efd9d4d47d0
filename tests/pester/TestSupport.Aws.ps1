# S3 and SQS on loopback (fauxqs) and the region workers the tests start against it; dot-sourced by
# TestSupport.psm1, whose script scope (the repository root) these functions share.

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
