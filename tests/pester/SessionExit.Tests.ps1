# A run survives a session that ends normally: a `pwsh -File` script that starts a run without
# -Wait and ends leaves the run interrupted, not failed; the next session carries it on and runs
# again only the step that was cut short. Each step appends "<step> <attempt>" to executions.log.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force

    function Wait-Until {
        param([scriptblock] $Condition, [string] $What, [int] $TimeoutSeconds = 60)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Waited $TimeoutSeconds s for $What." }
            Start-Sleep -Milliseconds 100
        }
    }

    function Test-ProcessRunning {
        # A killed grandchild may stay a zombie for a parent that never reaps it: that is not running.
        param([int] $Id)
        $stat = "/proc/$Id/stat"
        if (-not (Test-Path '/proc')) { return [bool](Get-Process -Id $Id -ErrorAction Ignore) }
        try { $text = [IO.File]::ReadAllText($stat) } catch { return $false }
        $text.Substring($text.LastIndexOf(')') + 2, 1) -notin 'Z', 'X'
    }

    function Get-Executions { @(Get-Content (Join-Path $env:WORKFLOW_HOME 'executions.log')) }

    # Starts the run, waits in the session until the marker file appears (the step to cut short is
    # running), then ends the script: pwsh exits normally with the run going on.
    $script:StartScript = @'
param($Folder, $Marker)
Import-Module $env:WORKFLOW_MODULE -ErrorAction Stop
$run = Publish-Workflow $Folder -Force | Start-WorkflowRun
"run=$($run.RunId)"
$deadline = [DateTime]::UtcNow.AddSeconds(90)
while (-not (Test-Path (Join-Path $env:WORKFLOW_HOME $Marker))) {
    if ([DateTime]::UtcNow -gt $deadline) { throw "$Marker was never written." }
    Start-Sleep -Milliseconds 50
}
'@

    # A step that records each attempt and sleeps half a second; the first attempt of s2 marks that
    # it runs and sleeps long enough that the session surely ends during it.
    $script:StepScript = @'
param($Context)
$step = $Context.context.step
$attempt = $Context.context.attempt
[IO.File]::AppendAllText([IO.Path]::Combine($env:WORKFLOW_HOME, 'executions.log'), "$step $attempt`n")
if ($step -eq 's2' -and $attempt -eq 1) {
    [IO.File]::WriteAllText([IO.Path]::Combine($env:WORKFLOW_HOME, 's2.started'), '')
    Start-Sleep -Seconds 60
}
Start-Sleep -Milliseconds 500
@{ step = $step }
'@

    function Start-RunAndExit {
        # Runs the start script in a child pwsh to its normal end; returns the run id.
        param([string] $Folder, [string] $Marker, [hashtable] $Environment = @{})
        $file = Join-Path $env:WORKFLOW_HOME 'start.ps1'
        Set-Content -LiteralPath $file -Value $script:StartScript
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-ChildPwsh -File $file -ArgumentList $Folder, $Marker -Environment $Environment -TimeoutSeconds 180
        Write-Host "The starting session ran for $([int]$clock.Elapsed.TotalSeconds) s."
        $result.Errors | Should -BeNullOrEmpty
        $result.ExitCode | Should -Be 0
        if ($result.Output -notmatch 'run=(\w+)') { throw "The starting session printed no run id: $($result.Output)" }
        $Matches[1]
    }
}

Describe 'A run whose session ends normally' {
    BeforeEach {
        $testHome = New-TestHome -Prefix 'wf-exit'
    }

    AfterEach {
        Remove-TestHome $testHome
    }

    It 'is resumed by the next pwsh process, which runs again only the step that was running' {
        $folder = New-ChainWorkflow -Name chain -Count 4 -StepScript $script:StepScript

        $runId = Start-RunAndExit -Folder $folder -Marker 's2.started'

        # Another session: opening the store carries the interrupted run on by itself.
        $resume = Join-Path $testHome 'resume.ps1'
        Set-Content -LiteralPath $resume -Value @'
param($RunId)
Import-Module $env:WORKFLOW_MODULE -ErrorAction Stop
$run = Wait-WorkflowRun -RunId $RunId
[pscustomobject]@{
    State = "$($run.State)"
    Steps = @($run.Steps | ForEach-Object { [pscustomobject]@{ Step = $_.Step; State = "$($_.State)"; Attempt = $_.Attempt } })
} | ConvertTo-Json -Depth 4 -Compress
'@
        $result = Invoke-ChildPwsh -File $resume -ArgumentList $runId -TimeoutSeconds 180
        $result.Errors | Should -BeNullOrEmpty
        $run = $result.Output | ConvertFrom-Json

        $run.State | Should -Be 'Succeeded'
        ($run.Steps | ForEach-Object { "$($_.Step)=$($_.State):$($_.Attempt)" }) -join ' ' |
            Should -Be 's1=Succeeded:1 s2=Succeeded:2 s3=Succeeded:1 s4=Succeeded:1'
        # s1 finished before the session ended and ran once; s2 was cut short and ran once more.
        Get-Executions | Should -Be @('s1 1', 's2 1', 's2 2', 's3 1', 's4 1')
    }

    It 'is interrupted by Remove-Module and resumed in the same process by the next import' {
        $folder = New-ChainWorkflow -Name chain -Count 3 -StepScript $script:StepScript
        Import-StagedModule
        $runId = (Publish-Workflow $folder -Force | Start-WorkflowRun).RunId
        Wait-Until { Test-Path (Join-Path $testHome 's2.started') } -What 's2 to start'

        Remove-Module Workflow.PowerShell
        Import-StagedModule
        $run = Wait-WorkflowRun -RunId $runId

        $run.State | Should -Be 'Succeeded'
        ($run.Steps | Where-Object Step -eq 's2').Attempt | Should -Be 2
        Get-Executions | Should -Be @('s1 1', 's2 1', 's2 2', 's3 1')
    }

    It 'ends a running command step''s processes with the session, and runs the step once more on Resume-WorkflowRun' {
        $tmp = Join-Path $testHome 'tmp'
        $null = New-Item -ItemType Directory -Path $tmp
        $folder = New-TestWorkflow -Name sleeper -Yaml @'
name: sleeper
version: 1.0.0
steps:
  - name: s1
    run: step.ps1
  - name: sleeper
    needs: [s1]
    command:
      - sh
      - -c
      - |
        cat > /dev/null
        attempt=$(grep -o '"attempt":[0-9]*' "$WORKFLOW_INPUT" | cut -d: -f2)
        echo "sleeper $attempt" >> "$WORKFLOW_HOME/executions.log"
        if [ "$attempt" = 1 ]; then
          echo $$ > "$WORKFLOW_HOME/sh.pid"
          sleep 60 &
          echo $! > "$WORKFLOW_HOME/sleep.pid"
          wait
        fi
        sleep 0.5
        echo "sleeper-end $attempt" >> "$WORKFLOW_HOME/executions.log"
        echo '{"slept": true}'
'@ -Files @{ 'step.ps1' = $script:StepScript }

        # The command's WORKFLOW_INPUT/OUTPUT files go to TMPDIR: a folder of the test's own.
        $runId = Start-RunAndExit -Folder $folder -Marker 'sleep.pid' -Environment @{ TMPDIR = $tmp }

        $shPid = [int](Get-Content (Join-Path $testHome 'sh.pid'))
        $sleepPid = [int](Get-Content (Join-Path $testHome 'sleep.pid'))
        Wait-Until { -not (Test-ProcessRunning $shPid) -and -not (Test-ProcessRunning $sleepPid) } -What 'the step''s sh and sleep to end with the session' -TimeoutSeconds 30
        Get-ChildItem $tmp -Filter 'wf-*' | Should -BeNullOrEmpty

        # This session carries it on: the store is opened here for the first time, after the other exited.
        $savedTmp = $env:TMPDIR
        $env:TMPDIR = $tmp
        try {
            Import-StagedModule
            $run = Resume-WorkflowRun -RunId $runId -Wait
        }
        finally {
            $env:TMPDIR = $savedTmp
        }

        $run.State | Should -Be 'Succeeded'
        ($run.Steps | Where-Object Step -eq 'sleeper').Attempt | Should -Be 2
        Get-Executions | Should -Be @('s1 1', 'sleeper 1', 'sleeper 2', 'sleeper-end 2')
        Get-ChildItem $tmp -Filter 'wf-*' | Should -BeNullOrEmpty
    }
}
