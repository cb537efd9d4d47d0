# The worker image (./build.ps1 -Task WorkerImage) as users run it: region workers in containers on
# the test dockerd (host networking: it has no bridge, and fauxqs listens on 127.0.0.1), with S3 and
# SQS from fauxqs. The image is built here from the staged module (Docker's cache makes a rebuild
# of unchanged content quick), so the tests always run the module being tested. A missing dockerd,
# base image or fauxqs fails the tests; nothing skips.
Describe 'Worker image' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'
        . (Join-Path (Get-RepoRoot) 'tools/docker/TestDocker.ps1')
        . (Join-Path (Get-RepoRoot) 'tools/docker/worker/WorkerImage.ps1')
        Start-TestDocker # a no-op under build.ps1, which started it
        Import-BaseImage
        $image = Build-WorkerImage -Module (Split-Path (Get-StagedModule))
        Write-Host "Worker image $($image.Tag): $([math]::Round($image.Size / 1MB)) MB, .NET $($image.Runtime)"

        function Invoke-Docker {
            # docker with its exit code, stdout and stderr, for the runs that are expected to fail.
            $errors = Join-Path ([IO.Path]::GetTempPath()) "wf-docker-$([guid]::NewGuid().ToString('N')).err"
            try {
                $output = & docker @args 2>$errors
                [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n"); Errors = (Get-Content $errors -Raw) + '' }
            }
            finally { Remove-Item $errors -ErrorAction Ignore }
        }

        function Start-WorkerContainer([string] $Name, [string[]] $Arguments) {
            # A worker container as the help shows it: host networking, credentials passed through by
            # name, the workflow home on a named volume (of the container's name).
            $id = & docker run -d --network host --name $Name --hostname $Name -v "$Name`:/home/worker/workflow" `
                -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_EC2_METADATA_DISABLED $image.Tag @Arguments
            if ($LASTEXITCODE) { throw "docker run $Name failed (exit code $LASTEXITCODE)." }
            $id
        }

        function Get-ContainerLog([string] $Name) { (& docker logs $Name 2>&1) -join "`n" }

        function Wait-ContainerLog([string] $Name, [string] $Pattern, [int] $Seconds) {
            $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
            while ((Get-ContainerLog $Name) -notmatch $Pattern) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "Container $Name wrote no line matching '$Pattern' in $Seconds s. Its log:`n$(Get-ContainerLog $Name)" }
                Start-Sleep -Milliseconds 250
            }
        }

        function Stop-WorkerContainer([string] $Name) {
            # docker stop (SIGTERM, then SIGKILL after 30 s); returns how it ended and how long stopping took.
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = & docker stop --time 30 $Name
            $seconds = $clock.Elapsed.TotalSeconds
            $state = (& docker inspect $Name | ConvertFrom-Json)[0].State
            [pscustomobject]@{ Status = $state.Status; ExitCode = $state.ExitCode; OOMKilled = $state.OOMKilled; Seconds = $seconds }
        }

        $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
        $workers = "wf-worker-a-$suffix", "wf-worker-b-$suffix"
    }

    AfterAll {
        foreach ($name in $workers) {
            $null = & docker rm -f $name 2>$null
            $null = & docker volume rm $name 2>$null
        }
        Stop-TestDocker # only the dockerd this file started, if it did
    }

    It 'is labelled with the module version and its source, and runs as a user of its own' {
        $inspect = (& docker image inspect $image.Tag | ConvertFrom-Json)[0]
        $version = (Import-PowerShellDataFile (Get-StagedModule)).ModuleVersion

        $image.Tag | Should -Be "workflow/worker:$version"
        (& docker image inspect workflow/worker:latest --format '{{.Id}}') | Should -Be $image.Id
        $inspect.Config.Labels.'org.opencontainers.image.version' | Should -Be $version
        $inspect.Config.Labels.'org.opencontainers.image.revision' | Should -Match '^[0-9a-f]{40}(-dirty)?$'
        $inspect.Config.User | Should -Be '10001:0'
        $inspect.Config.Env | Should -Contain 'DOTNET_CLI_TELEMETRY_OPTOUT=1'
        $inspect.Config.Env | Should -Contain 'POWERSHELL_TELEMETRY_OPTOUT=1'
        # Lean: the debootstrap base is most of it; .NET, pwsh and the module add ~140 MB.
        $image.Size | Should -BeLessThan 450MB
        # What is inside is what the labels say: this module version, under pwsh 7.6.9, as that user.
        $inside = Invoke-Docker run --rm --network none --entrypoint pwsh $image.Tag -NoProfile -Command `
            '"$((Get-Module Workflow.PowerShell -ListAvailable).Version) $($PSVersionTable.PSVersion) $(id -u)"'
        $inside.ExitCode | Should -Be 0
        $inside.Output | Should -Be "$version 7.6.9 10001"
    }

    It 'answers -? with the help of Start-WorkflowWorker' {
        $help = Invoke-Docker run --rm --network none $image.Tag -?

        $help.ExitCode | Should -Be 0
        $help.Output | Should -Match 'Start-WorkflowWorker \[-Region\] <String>'
        $help.Output | Should -Match 'LeaseSeconds'
    }

    It 'exits 1 with the error and its ErrorId on stderr for <Case>' -ForEach @(
        @{ Case = 'no arguments'; Arguments = @(); ErrorId = 'MissingMandatoryParameter'; Text = 'Region' }
        @{ Case = 'a region that does not exist'; Arguments = @('-Region', 'aws:moon-1'); ErrorId = 'AwsRegionUnknown'; Text = "'aws:moon-1' is not an AWS region" }
        @{ Case = 'a parameter it does not have'; Arguments = @('-Region', 'aws:us-east-1', '-Queue', 'q'); ErrorId = 'NamedParameterNotFound'; Text = "'Queue'" }
    ) {
        $failed = Invoke-Docker run --rm --network none $image.Tag @Arguments

        $failed.ExitCode | Should -Be 1
        $failed.Output | Should -BeNullOrEmpty
        $failed.Errors | Should -Match "^Start-WorkflowWorker: .*$([regex]::Escape($Text)).* \($ErrorId\)"
    }

    Context 'two worker containers on one region' {
        BeforeAll {
            $testHome = New-TestHome
            Import-StagedModule
            $aws = Start-Fauxqs
            $bucket = 'wf-image-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
            # A fan: split, four resizes, join; every step says where it ran. slow's one step is a
            # command that sleeps 6 s (docker top shows it while it runs) and says where and when it began.
            $fan = New-TestWorkflow -Name fan -Yaml @'
name: fan
version: 1.0.0
steps:
  - name: split
    run: steps/split.ps1
  - name: resize
    needs: split
    foreach: steps.split.output.images
    run: steps/resize.ps1
  - name: join
    needs: resize
    run: steps/join.ps1
'@ -Files @{
                'steps/split.ps1'  = "param(`$Context)`n@{ images = @(1, 2, 3, 4); host = [Environment]::MachineName }`n"
                'steps/resize.ps1' = "param(`$Context)`nWrite-Verbose `"resize `$(`$Context.item) on `$([Environment]::MachineName)`"`n@{ n = `$Context.item * 10; host = [Environment]::MachineName }`n"
                'steps/join.ps1'   = "param(`$Context)`n`$sum = 0`nforeach (`$r in `$Context.steps.resize) { `$sum += `$r.n }`n@{ sum = `$sum; hosts = @(`$Context.steps.split.host) + @(`$Context.steps.resize.host) + @([Environment]::MachineName) }`n"
            }
            $slow = New-TestWorkflow -Name slow -Yaml @'
name: slow
version: 1.0.0
steps:
  - name: wait
    command: [sh, -c, 'cat > /dev/null; began=$(date +%s%3N); sleep 6; printf "{\"host\": \"%s\", \"began\": %s}" "$(cat /etc/hostname)" "$began"']
'@
            $null = Publish-Workflow $fan -Region aws:us-east-1 -Bucket $bucket
            $null = Publish-Workflow $slow -Region aws:us-east-1 -Bucket $bucket
            $arguments = '-Region', 'aws:us-east-1', '-EndpointUrl', $aws.Endpoint, '-Bucket', $bucket, '-Concurrency', '2', '-LeaseSeconds', '10', '-Verbose'
            foreach ($name in $workers) { $null = Start-WorkerContainer $name $arguments }
            foreach ($name in $workers) { Wait-ContainerLog $name 'takes tasks of aws:us-east-1' 60 }
        }

        AfterAll {
            Remove-TestHome $testHome
            Stop-Fauxqs $aws
        }

        It 'runs 20 runs of a fan-out on both containers, and their logs sync' {
            $runs = 1..20 | ForEach-Object { Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1 }
            $done = $runs | Wait-WorkflowRun -Timeout 180
            $outputs = $runs | ForEach-Object { Receive-WorkflowRun $_.RunId }
            $logs = Get-WorkflowLog -RunId $runs[0].RunId | ForEach-Object Message
            $sync = Sync-WorkflowLog fan-1.0.0

            @($done | Where-Object State -eq Succeeded) | Should -HaveCount 20
            $outputs | ForEach-Object { [int] $_.sum } | Sort-Object -Unique | Should -Be 100
            # 20 runs x 6 steps, every one run in a container, and both containers ran some.
            $hosts = @($outputs | ForEach-Object { $_.hosts })
            $hosts | Should -HaveCount 120
            $hosts | Sort-Object -Unique | Should -Be ($workers | Sort-Object)
            $logs | Where-Object { $_ -match '^resize [1-4] on wf-worker-[ab]-' } | Should -HaveCount 4
            @($sync).Count | Should -Be 1
            $queue = Get-FauxqsQueue $aws workflow-fan-1_0_0
            "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
        }

        It 'stops a container on docker stop: it puts its running steps back, prints its counts and exits 0' {
            $runs = 1..4 | ForEach-Object { Start-WorkflowRun slow-1.0.0 -Region aws:us-east-1 }
            # Stopped while it runs a step: its sleep shows in docker top.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ((& docker top $workers[0]) -match 'sleep 6')) {
                if ([DateTime]::UtcNow -gt $deadline) { throw "$($workers[0]) ran no step in 60 s. Its log:`n$(Get-ContainerLog $workers[0])" }
                Start-Sleep -Milliseconds 100
            }
            $stoppedAt = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
            $stopped = Stop-WorkerContainer $workers[0]
            $done = $runs | Wait-WorkflowRun -Timeout 120
            $outputs = $runs | ForEach-Object { Receive-WorkflowRun $_.RunId }
            $log = Get-ContainerLog $workers[0]
            $again = @($outputs | Where-Object { $_.began -gt $stoppedAt } | ForEach-Object { ($_.began - $stoppedAt) / 1000 })
            Write-Host "docker stop took $([math]::Round($stopped.Seconds, 1)) s; $($again.Count) steps began again on the other container $(($again | ForEach-Object { [math]::Round($_, 1) }) -join ', ') s after the stop"

            $stopped.Status | Should -Be 'exited'
            $stopped.ExitCode | Should -Be 0
            $stopped.Seconds | Should -BeLessThan 10 # docker stop's default grace: no SIGKILL was needed
            $log | Should -Match 'step wait: Released in \d+ ms .*The worker is stopping\.'
            $log | Should -Match '(?m)^StopReason\s*: SIGTERM$'
            @($done | Where-Object State -eq Succeeded) | Should -HaveCount 4
            # The steps it let go ran again on the other container, which did every step in the end.
            @($outputs | Where-Object host -eq $workers[1]) | Should -HaveCount 4
            $again.Count | Should -BeGreaterThan 0
        }

        It 'stops the idle container too, and both are removed' {
            $stopped = Stop-WorkerContainer $workers[1]
            $log = Get-ContainerLog $workers[1]

            $stopped.Status | Should -Be 'exited'
            $stopped.ExitCode | Should -Be 0
            $stopped.Seconds | Should -BeLessThan 10
            $log | Should -Match '(?m)^StopReason\s*: SIGTERM$'
            foreach ($name in $workers) {
                & docker rm $name | Should -Be $name
                & docker ps -a --filter "name=^$name$" --format '{{.Names}}' | Should -BeNullOrEmpty
            }
        }
    }
}
