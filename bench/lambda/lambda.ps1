<#
.SYNOPSIS
    Lambda-hosted workers against long-running workers on the same load, on fauxqs and the Lambda fixture.
.DESCRIPTION
    -Runs runs of a 5-step workflow with a fan-in (a -> b, c, d -> e) whose steps do nothing (this
    measures the hosting, not the steps), on S3 and SQS from fauxqs on loopback, first through
    -Workers Start-WorkflowWorker processes of -Lanes lanes each (the baseline), then through the
    workflow's Lambda function (Publish-Workflow -Compute Lambda) run by the Lambda fixture with at
    most -Workers function processes at once (fun's process model: one bootstrap process per
    concurrent invocation, frozen between invocations and reused), each invocation running its
    batch of up to 10 tasks. Each side starts with one warm-up run, timed apart: it pays the cold
    starts (pwsh and the module in each new process). Then all runs are started at once and waited
    for. Ready-to-started latency is a step's start minus its ready time (the run's creation for a,
    the last need's end for the others), from the runs' synced history; steps/s is the steps over
    the time from the first start to the last end. Lambda's figures are printed as ratios to the
    baseline's, measured in the same script on the same machine.
.EXAMPLE
    dotnet pwsh bench/lambda/lambda.ps1 -Runs 100
#>
[CmdletBinding()]
param([int] $Runs = 100, [int] $Workers = 2, [int] $Lanes = 4)
$ErrorActionPreference = 'Stop'
$repo = Resolve-Path "$PSScriptRoot/../.."
Import-Module "$repo/tests/pester/TestSupport.psm1" -Force
$benchHome = New-TestHome -Prefix wf-bench-lambda
Import-StagedModule
$aws = Start-Fauxqs
$shim = New-PwshShim (Join-Path $benchHome 'shim')
$path = $env:PATH
$env:PATH = $shim + [IO.Path]::PathSeparator + $env:PATH
try { $lambda = Start-LambdaFixture -SqsEndpoint $aws.Endpoint -Concurrency $Workers }
finally { $env:PATH = $path }
$started = @()

function New-BenchWorkflow([string] $Name) {
    New-TestWorkflow -Name $Name -Yaml @"
name: $Name
version: 1.0.0
steps:
  - { name: a, run: s.ps1 }
  - { name: b, needs: a, run: s.ps1 }
  - { name: c, needs: a, run: s.ps1 }
  - { name: d, needs: a, run: s.ps1 }
  - { name: e, needs: [b, c, d], run: s.ps1 }
"@ -Files @{ 's.ps1' = "param(`$Context)`n" }
}

function Measure-Load([string] $WorkflowId, [int] $Count) {
    # Starts the runs at once, waits for them all; latencies (ms) and steps/s from their history.
    $ids = @(1..$Count | ForEach-Object { (Start-WorkflowRun $WorkflowId -Region aws:us-east-1).RunId })
    $done = @($ids | ForEach-Object { Wait-WorkflowRun $_ -Timeout 900 })
    $bad = @($done | Where-Object State -ne 'Succeeded')
    if ($bad) { throw "$($bad.Count) runs of $WorkflowId did not succeed: $($bad[0].State) $($bad[0].Error)" }
    $latency = [Collections.Generic.List[double]]::new()
    $first = [DateTimeOffset]::MaxValue; $last = [DateTimeOffset]::MinValue
    foreach ($run in $done) {
        $steps = @{}; foreach ($step in $run.Steps) { $steps[$step.Step] = $step }
        $ready = @{ a = $run.CreatedAt; b = $steps.a.EndedAt; c = $steps.a.EndedAt; d = $steps.a.EndedAt
            e = @($steps.b.EndedAt, $steps.c.EndedAt, $steps.d.EndedAt) | Sort-Object | Select-Object -Last 1 }
        foreach ($name in 'a', 'b', 'c', 'd', 'e') {
            $latency.Add(($steps[$name].StartedAt - $ready[$name]).TotalMilliseconds)
            if ($steps[$name].StartedAt -lt $first) { $first = $steps[$name].StartedAt }
            if ($steps[$name].EndedAt -gt $last) { $last = $steps[$name].EndedAt }
        }
    }
    $sorted = @($latency | Sort-Object)
    [pscustomobject]@{
        P50 = $sorted[[int][Math]::Floor(0.50 * ($sorted.Count - 1))]
        P99 = $sorted[[int][Math]::Floor(0.99 * ($sorted.Count - 1))]
        StepsPerSecond = $Count * 5 / ($last - $first).TotalSeconds
        Seconds = ($last - $first).TotalSeconds
    }
}

try {
    $bucket = 'wf-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    # The baseline: long-running workers in pwsh processes of their own.
    $null = Publish-Workflow (New-BenchWorkflow polled) -Region aws:us-east-1 -Bucket $bucket
    $started = @(1..$Workers | ForEach-Object { Start-TestWorker -TestHome $benchHome -Index $_ -Bucket $bucket -Concurrency $Lanes -LeaseSeconds 60 })
    if (-not (Wait-TestWorker $started 'takes tasks of' 120)) { throw 'The workers did not start.' }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $null = Measure-Load polled-1.0.0 1
    $workersWarmUp = $clock.Elapsed.TotalSeconds
    $baseline = Measure-Load polled-1.0.0 $Runs
    $started | ForEach-Object { Stop-ChildPwsh $_.Process }
    $started = @()

    # Lambda: the function's processes start on the first invocations (cold), then stay warm.
    $null = Publish-Workflow (New-BenchWorkflow hosted) -Region aws:us-east-1 -Bucket $bucket -Compute Lambda
    $clock.Restart()
    $null = Measure-Load hosted-1.0.0 1
    $lambdaWarmUp = $clock.Elapsed.TotalSeconds
    $hosted = Measure-Load hosted-1.0.0 $Runs

    "Lambda-hosted vs long-running workers, $Runs runs x 5 no-op steps (a -> b, c, d -> e), fauxqs + Lambda fixture (fun) on loopback"
    "baseline: $Workers Start-WorkflowWorker processes x $Lanes lanes; Lambda: at most $Workers function processes (fixture -Concurrency $Workers), batches of up to 10 tasks"
    ''
    '{0,-28} {1,12} {2,12} {3,8}' -f 'measure', 'workers', 'Lambda', 'ratio'
    foreach ($row in @(
            @('ready->started p50 (ms)', $baseline.P50, $hosted.P50),
            @('ready->started p99 (ms)', $baseline.P99, $hosted.P99),
            @('steps/s', $baseline.StepsPerSecond, $hosted.StepsPerSecond),
            @('load time (s)', $baseline.Seconds, $hosted.Seconds),
            @('first run incl. cold (s)', $workersWarmUp, $lambdaWarmUp))) {
        '{0,-28} {1,12:0.0} {2,12:0.0} {3,8:0.00}' -f $row[0], $row[1], $row[2], ($row[2] / [Math]::Max($row[1], 0.001))
    }
    ''
    '(ratio = Lambda / workers; the workers were started and polling before their first run, so their cold start is not in it)'
}
finally {
    $started | ForEach-Object { Stop-ChildPwsh $_.Process }
    if ($lambda) { Stop-LambdaFixture $lambda }
    Stop-Fauxqs $aws
    Remove-TestHome $benchHome
}
