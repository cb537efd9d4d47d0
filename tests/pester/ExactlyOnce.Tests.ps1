# A step starts once per run unless a worker died or its lease ran out: 40 runs of a workflow with a
# fan-in, three worker processes, nobody killed, the fan-in's needs ending at the same instant and
# the queue delivering copies of task messages. Every execution of a step leaves a file, so
# executions are counted, not inferred from the run's state. A fresh server and home for each test.
Describe 'Exactly-once steps in a region' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'

        function New-OnceWorkflow {
            # a -> b, c -> d (needs b and c) -> e -> f, every step a quick sh command. A step leaves
            # '<runId> <step> <attempt> <pid>-<n>' in $ONCE_LOG each time it runs (one file per execution:
            # appends from several processes to one file can overwrite each other). a prints the instant
            # b and c sleep until, so the two needs of d end together on whichever workers run them.
            $count = @'
doc=$(cat)
id=$(printf '%s' "$doc" | sed -n 's/.*"context":{"runId":"\([^"]*\)","workflowId":"[^"]*","step":"\([^"]*\)","item":[^,]*,"attempt":\([0-9]*\).*/\1 \2 \3/p')
: > "$ONCE_LOG/$id $$-$(date +%s%N)"
at=$(printf '%s' "$doc" | sed -n 's/.*"steps":{"a":{"at":\([0-9]*\)}.*/\1/p')
if [ -n "$at" ]; then
  left=$(( at - $(date +%s%N) / 1000000 ))
  if [ "$left" -gt 0 ]; then sleep "$(( left / 1000 )).$(printf '%03d' $(( left % 1000 )))"; fi
fi
if [ "$1" = a ]; then echo "{\"at\": $(( $(date +%s%N) / 1000000 + 1500 ))}"; else echo '{"ok": true}'; fi
'@
            $steps = @(
                @{ Name = 'a'; Needs = @() }, @{ Name = 'b'; Needs = @('a') }, @{ Name = 'c'; Needs = @('a') },
                @{ Name = 'd'; Needs = @('b', 'c') }, @{ Name = 'e'; Needs = @('d') }, @{ Name = 'f'; Needs = @('e') }
            ) | ForEach-Object {
                "  - name: $($_.Name)`n" + $(if ($_.Needs) { "    needs: [$($_.Needs -join ', ')]`n" }) + "    command: [sh, count.sh, $($_.Name)]`n"
            }
            New-TestWorkflow -Name once -Yaml ("name: once`nversion: 1.0.0`nsteps:`n" + -join $steps) -Files @{ 'count.sh' = $count }
        }
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
        $aws = Start-Fauxqs
        $workers = [Collections.Generic.List[object]]::new()
        $env:ONCE_LOG = Join-Path $testHome 'executions'
        $null = New-Item -ItemType Directory $env:ONCE_LOG
    }

    AfterEach {
        $workers | ForEach-Object { Stop-ChildPwsh $_.Process }
        Remove-Item Env:ONCE_LOG -ErrorAction Ignore
        Remove-TestHome $testHome
        Stop-Fauxqs $aws
    }

    It 'runs every step of 40 runs exactly once on 3 workers while the queue delivers copies of tasks, and leaves no message in flight' {
        $runs = 40
        $bucket = 'wf-once-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        # The copier's peeks are receives: each raises a waiting message's receive count, so with the
        # default of 3 a task that waits for a free lane through three peeks went to the dead-letter
        # queue by the test's own doing. A high count leaves the DLQ to what the workers send there.
        $null = Publish-Workflow (New-OnceWorkflow) -Region aws:us-east-1 -Bucket $bucket -MaxReceiveCount 1000
        foreach ($i in 0..2) { $workers.Add((Start-TestWorker -TestHome $testHome -Index $i -Bucket $bucket -Concurrency 4 -LeaseSeconds 30)) }
        Wait-TestWorker $workers '^VERBOSE: Worker .* takes tasks of' 120 | Should -BeTrue -Because 'every worker starts'
        $ids = 1..$runs | ForEach-Object { (Start-WorkflowRun once-1.0.0 -Region aws:us-east-1).RunId }

        # Until every run has ended, a copy of each task message seen goes to the queue once: a
        # second message of the same task, and the first one counted as received again.
        $copied = [Collections.Generic.HashSet[string]]::new()
        $deadline = [DateTime]::UtcNow.AddMinutes(5)
        $nextSync = [DateTime]::MinValue
        while ([DateTime]::UtcNow -lt $deadline) {
            $null = Copy-FauxqsMessage $aws workflow-once-1_0_0 $copied
            if ([DateTime]::UtcNow -ge $nextSync) {
                $null = Sync-WorkflowLog once-1.0.0
                $ended = @(Get-WorkflowRun -WorkflowId once-1.0.0 | Where-Object { "$($_.State)" -in 'Succeeded', 'Failed', 'Cancelled' }).Count
                if ($ended -eq $runs) { break }
                $nextSync = [DateTime]::UtcNow.AddSeconds(1)
            }
            Start-Sleep -Milliseconds 50
        }

        # The copies sent last are taken and dropped by the workers: then nothing is ready or in flight.
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            $queue = Get-FauxqsQueue $aws workflow-once-1_0_0
            if ($queue.Ready -eq 0 -and $queue.InFlight -eq 0) { break }
            Start-Sleep -Milliseconds 250
        } while ([DateTime]::UtcNow -lt $deadline)

        $executions = @(Get-ChildItem $env:ONCE_LOG | ForEach-Object { $run, $step, $attempt, $null = $_.Name.Split(' '); "$run $step $attempt" })
        $repeated = @($executions | Group-Object | Where-Object Count -gt 1 | ForEach-Object { "$($_.Name) x$($_.Count)" })
        $states = @(Get-WorkflowRun -WorkflowId once-1.0.0 | ForEach-Object { "$($_.State)" })
        Write-Host ('exactly-once: {0} runs, {1} executions, {2} task copies sent, {3} (run, step) pairs ran more than once' -f $runs, $executions.Count, $copied.Count, $repeated.Count)
        foreach ($worker in $workers) { Write-Host "exactly-once: worker $($worker.Index): $((Get-TestWorkerLine $worker | Select-Object -Last 2) -join ' | ')" }

        $copied.Count | Should -BeGreaterThan 0 -Because 'the queue delivered copies of tasks'
        $repeated | Should -BeNullOrEmpty
        $executions.Count | Should -Be ($runs * 6)
        foreach ($id in $ids) {
            $ran = @($executions | Where-Object { $_.StartsWith("$id ") } | ForEach-Object { $_.Split(' ')[1] } | Sort-Object)
            $ran -join ',' | Should -Be 'a,b,c,d,e,f' -Because "run $id runs each step once"
        }
        @($executions | Where-Object { -not $_.EndsWith(' 1') }) | Should -BeNullOrEmpty -Because 'no step needed a second attempt'
        @($states | Where-Object { $_ -eq 'Succeeded' }).Count | Should -Be $runs
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
        $deadLetters = Get-FauxqsQueue $aws workflow-once-1_0_0-dlq
        "$($deadLetters.Ready) $($deadLetters.InFlight)" | Should -Be '0 0'
    }

    It 'refuses a store that lets every conditional put win: Publish-Workflow, Start-WorkflowRun and Start-WorkflowWorker, with nothing left half-done' {
        $folder = New-OnceWorkflow
        Switch-FauxqsCondition $aws # off: every If-None-Match: * put succeeds
        $refused = 'wf-raw-' + [guid]::NewGuid().ToString('N').Substring(0, 8)

        $publish = $null
        try { $null = Publish-Workflow $folder -Region aws:us-east-1 -Bucket $refused } catch { $publish = $_ }

        $publish.FullyQualifiedErrorId | Should -BeLike 'WorkflowStoreConditionsNotHonoured*'
        $publish.Exception.Message | Should -BeLike "*$($aws.Endpoint)*'$refused'*answers every If-None-Match: * put with success, so steps could run twice*"
        Test-FauxqsBucket $aws $refused | Should -BeFalse -Because 'the bucket made for the deployment went again'
        Test-FauxqsQueue $aws workflow-once-1_0_0 | Should -BeFalse
        (Get-Workflow once-1.0.0).Regions | Should -Be 'local'

        # A deployment made while the store honoured conditions, then a store that no longer does:
        # new processes (a session, a worker) probe it before they rely on it.
        Switch-FauxqsCondition $aws # on
        $bucket = 'wf-cond-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket
        Switch-FauxqsCondition $aws # off
        $script = Join-Path $testHome 'refused.ps1'
        Set-Content $script @"
Import-Module `$env:WORKFLOW_MODULE -ErrorAction Stop
try { `$null = Start-WorkflowRun once-1.0.0 -Region aws:us-east-1 -ErrorAction Stop; 'run: started' } catch { "run: `$(`$_.FullyQualifiedErrorId) `$(`$_.Exception.Message)" }
try { `$null = Start-WorkflowWorker -Region aws:us-east-1 -Bucket $bucket -MaxTasks 1 -ErrorAction Stop; 'worker: ran' } catch { "worker: `$(`$_.FullyQualifiedErrorId) `$(`$_.Exception.Message)" }
"@
        $child = Invoke-ChildPwsh -File $script -TimeoutSeconds 180
        $lines = $child.Output -split '\r?\n'

        $lines | Where-Object { $_ -like "run: WorkflowStoreConditionsNotHonoured*'$bucket'*" } | Should -Not -BeNullOrEmpty -Because $child.Output
        $lines | Where-Object { $_ -like "worker: WorkflowStoreConditionsNotHonoured*'$bucket'*" } | Should -Not -BeNullOrEmpty -Because $child.Output
        @(Get-WorkflowRun -WorkflowId once-1.0.0) | Should -BeNullOrEmpty -Because 'no run was recorded'
        @(Get-FauxqsObjectKey $aws $bucket 'runs/') | Should -BeNullOrEmpty
        @(Get-FauxqsObjectKey $aws $bucket 'probes/') | Should -BeNullOrEmpty -Because 'a probe deletes its key'
        $queue = Get-FauxqsQueue $aws workflow-once-1_0_0
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
    }
}
