# Many runs through SQS and S3 (fauxqs on loopback) with workers in pwsh processes of their own,
# some killed with SIGKILL, and the endpoint taken away mid-run. The tests print their figures;
# machines here are shared, so nothing is timed. A fresh server and home for each test.
Describe 'Reliability of runs in a region' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        # An error nobody expected fails the test, a cmdlet's non-terminating one included.
        $ErrorActionPreference = 'Stop'

        function Wait-Run([int] $Runs, [int] $Minutes) {
            # Syncs until every run of the workflow has ended; the number that Succeeded.
            $deadline = [DateTime]::UtcNow.AddMinutes($Minutes)
            while ($true) {
                $null = Sync-WorkflowLog fan-1.0.0
                $states = @(Get-WorkflowRun -WorkflowId fan-1.0.0 | ForEach-Object { "$($_.State)" })
                $ended = @($states | Where-Object { $_ -in 'Succeeded', 'Failed', 'Cancelled' }).Count
                if ($ended -eq $Runs -or [DateTime]::UtcNow -gt $deadline) { return @($states | Where-Object { $_ -eq 'Succeeded' }).Count }
                Start-Sleep -Seconds 1
            }
        }

        function Wait-EmptyQueue([string] $Name, [int] $Seconds) {
            $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
            do {
                $queue = Get-FauxqsQueue $aws $Name
                if ($queue.Ready -eq 0 -and $queue.InFlight -eq 0) { return }
                Start-Sleep -Milliseconds 250
            } while ([DateTime]::UtcNow -lt $deadline)
        }
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
        $aws = Start-Fauxqs
        $workers = [Collections.Generic.List[object]]::new()
    }

    AfterEach {
        $workers | ForEach-Object { Stop-ChildPwsh $_.Process }
        Remove-TestHome $testHome
        Stop-Fauxqs $aws
    }

    It 'carries 200 runs through two of four worker processes killed at random moments' {
        $runs = 200
        $joinLog = Join-Path $testHome 'joins'
        $null = New-Item -ItemType Directory $joinLog
        $env:JOIN_LOG = $joinLog
        try {
            $bucket = 'wf-rel-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $null = Publish-Workflow (New-FanWorkflow) -Region aws:us-east-1 -Bucket $bucket
            $clock = [Diagnostics.Stopwatch]::StartNew()
            foreach ($i in 0..3) { $workers.Add((Start-TestWorker -TestHome $testHome -Index $i -Bucket $bucket)) }
            # pwsh takes seconds to start on a loaded machine: the runs start once every worker takes tasks.
            Wait-TestWorker $workers '^VERBOSE: Worker .* takes tasks of' 120 | Should -BeTrue -Because 'every worker starts'
            1..$runs | ForEach-Object { $null = Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1 }

            $seed = [Environment]::TickCount
            $random = [Random]::new($seed)
            $killedPids = @()
            foreach ($victim in $workers[0..1]) {
                Start-Sleep -Milliseconds $random.Next(500, 3000)
                $killedPids += $victim.Process.Id
                Stop-ChildPwsh $victim.Process # SIGKILL: no cleanup in the worker; its leased tasks come back when their lease ends
                Write-Host ('reliability: killed worker {0} (pid {1}) at {2:0.0} s (seed {3})' -f $victim.Index, $victim.Process.Id, $clock.Elapsed.TotalSeconds, $seed)
            }

            $succeeded = Wait-Run $runs 4
            $elapsed = $clock.Elapsed
            # The pids that ran each run's join, in the order they ran it.
            $joins = @{}
            foreach ($file in Get-ChildItem $joinLog | Sort-Object LastWriteTimeUtc) {
                $run, $processId, $null = $file.Name.Split(' ')
                if (-not $joins.ContainsKey($run)) { $joins[$run] = [Collections.Generic.List[int]]::new() }
                $joins[$run].Add([int] $processId)
            }
            $repeated = @($joins.Keys | Where-Object { $joins[$_].Count -gt 1 })
            Write-Host ('reliability: {0} of {1} runs Succeeded in {2:0.0} s ({3:0} tasks/s with two workers killed)' -f $succeeded, $runs, $elapsed.TotalSeconds, ($runs * 7 / $elapsed.TotalSeconds))
            Write-Host ('reliability: fan-in executions: {0} for {1} runs; repeated in {2} run(s), each by a killed worker first' -f ($joins.Values | ForEach-Object Count | Measure-Object -Sum).Sum, $joins.Count, $repeated.Count)

            $succeeded | Should -Be $runs
            $joins.Count | Should -Be $runs
            # A fan-in step is enqueued once. It runs twice only when the worker running it was
            # killed before it could record the result (at-least-once), never because two needs raced.
            foreach ($run in $repeated) {
                $pids = $joins[$run]
                $pids | Select-Object -SkipLast 1 | Where-Object { $_ -notin $killedPids } |
                    Should -BeNullOrEmpty -Because "run $run's join ran in $($pids -join ', '); killed: $($killedPids -join ', ')"
            }
            $workers[2..3] | ForEach-Object { Stop-ChildPwsh $_.Process }
            Wait-EmptyQueue workflow-fan-1_0_0 30
            $queue = Get-FauxqsQueue $aws workflow-fan-1_0_0
            "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
            $deadLetters = Get-FauxqsQueue $aws workflow-fan-1_0_0-dlq
            "$($deadLetters.Ready) $($deadLetters.InFlight)" | Should -Be '0 0'
        }
        finally {
            Remove-Item Env:JOIN_LOG
            foreach ($worker in $workers) { Write-Host "reliability: worker $($worker.Index): $((Get-TestWorkerLine $worker | Select-Object -Last 3) -join ' | ')" }
        }
    }

    It 'rides out the endpoint going away mid-run, and marks nothing done that was not' {
        $runs = 20
        $bucket = 'wf-out-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = Publish-Workflow (New-FanWorkflow) -Region aws:us-east-1 -Bucket $bucket
        foreach ($i in 0..1) { $workers.Add((Start-TestWorker -TestHome $testHome -Index $i -Bucket $bucket)) }
        Wait-TestWorker $workers '^VERBOSE: Worker .* takes tasks of' 120 | Should -BeTrue -Because 'both workers start'
        1..$runs | ForEach-Object { $null = Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1 }

        # Mid-run: once both workers are taking tasks.
        Wait-TestWorker $workers '^VERBOSE: fan-1\.0\.0 run \S+ step ' 60 | Should -BeTrue -Because 'both workers take tasks'
        Suspend-Fauxqs $aws
        Start-Sleep -Seconds 4
        Resume-Fauxqs $aws

        $succeeded = Wait-Run $runs 3
        $failedSteps = @(Get-WorkflowRun -WorkflowId fan-1.0.0 | ForEach-Object { $_.Steps } | Where-Object State -ne 'Succeeded' | ForEach-Object Step)
        $retried = @($workers | ForEach-Object { Get-TestWorkerLine $_ } | Where-Object { $_.Contains('Retrying in') -or $_.Contains('delivered again') }).Count
        Write-Host "reliability: $succeeded of $runs runs Succeeded after a 4 s outage; $retried backend errors retried by the workers"

        $succeeded | Should -Be $runs
        $failedSteps | Should -BeNullOrEmpty
        $retried | Should -BeGreaterThan 0 -Because 'the workers saw the outage: the test took the endpoint away'
    }
}
