# Container steps (image:) through the cmdlets, on the dockerd build.ps1 starts (Start-TestDocker sets
# DOCKER_HOST) with its test images imported. No DOCKER_HOST, or one that does not answer, fails the
# tests: they never skip.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    if (-not $env:DOCKER_HOST) { throw 'DOCKER_HOST is not set: run the tests through ./build.ps1 -Task Pester, which starts dockerd (Start-TestDocker).' }
    $null = docker version --format '{{.Server.Version}}' 2>&1
    if ($LASTEXITCODE) { throw "The dockerd at DOCKER_HOST=$env:DOCKER_HOST does not answer." }
    foreach ($image in 'workflow-test/busybox:1', 'workflow/base:bookworm') {
        $null = docker image inspect $image 2>&1
        if ($LASTEXITCODE) { throw "Image $image is missing: tools/docker/TestDocker.ps1 imports it (Import-BusyboxImage, Import-BaseImage)." }
    }

    function Get-RunContainer([string] $RunId, [switch] $Running) {
        # The names of the run's containers (running, or any), from Docker itself.
        $arguments = [Collections.Generic.List[string]] @('ps', '--filter', "label=workflow.run=$RunId", '--format', '{{.Names}}')
        if (-not $Running) { $arguments.Add('--all') }
        $names = docker @arguments
        if ($LASTEXITCODE) { throw "docker $arguments failed (exit code $LASTEXITCODE)." }
        $names
    }

    $boxes = @'
name: boxes
version: 1.0.0
steps:
  - name: count
    image: workflow-test/busybox:1
    command:
      - sh
      - -c
      - |
        echo "counting in $(hostname)" >&2
        echo '{"n": 3}'
  - name: double
    needs: count
    image: workflow/base:bookworm
    run: steps/double.ps1
'@
    $double = "param(`$Context)`nWrite-Warning 'doubling'`n@{ n = `$Context.steps.count.n * 2; edition = `$PSVersionTable.PSEdition }`n"
}

Describe 'Container steps in this session' {
    BeforeAll {
        $testHome = New-TestHome
        Import-StagedModule
    }

    AfterAll {
        Remove-TestHome $testHome
    }

    It 'runs an image step and a run: script with image: end to end, their stderr in Get-WorkflowLog' {
        $folder = New-TestWorkflow -Name boxes -Yaml $boxes -Files @{ 'steps/double.ps1' = $double }

        $output = Publish-Workflow $folder | Start-WorkflowRun -Wait | Receive-WorkflowRun

        $output.n | Should -Be 6
        $output.edition | Should -Be 'Core'
        $run = Get-WorkflowRun -WorkflowId boxes-1.0.0 | Select-Object -First 1
        $run.State | Should -Be 'Succeeded'
        $count = Get-WorkflowLog -RunId $run.RunId -Step count -Stream stderr
        $count.Message | Should -BeLike 'counting in *'
        (Get-WorkflowLog -RunId $run.RunId -Step double -Stream stderr).Message | Should -Contain 'WARNING: doubling'
        Get-RunContainer $run.RunId | Should -BeNullOrEmpty
    }

    It 'reports a bad image reference in Test-Workflow with its ErrorId, line and column' {
        $folder = New-TestWorkflow -Name badref -Yaml "name: badref`nversion: 1.0.0`nsteps:`n  - name: a`n    image: Workflow-Test/BusyBox:1`n    pull: sometimes`n"

        $diagnostics = @(Test-Workflow $folder)

        $diagnostics | Should -HaveCount 2
        $diagnostics[0].ErrorId | Should -Be 'BadImageReference'
        "$($diagnostics[0].Line):$($diagnostics[0].Column)" | Should -Be '5:12'
        $diagnostics[0].Message | Should -BeLike "*'Workflow-Test/BusyBox:1'*lowercase*"
        $diagnostics[1].ErrorId | Should -Be 'BadContainerSetting'
        $diagnostics[1].Line | Should -Be 6
        { Publish-Workflow $folder -ErrorAction Stop } | Should -Throw -ErrorId 'BadImageReference,*'
    }

    It 'kills the container when Stop-WorkflowRun stops the run' {
        $folder = New-TestWorkflow -Name sleeper -Yaml "name: sleeper`nversion: 1.0.0`nsteps:`n  - name: nap`n    image: workflow-test/busybox:1`n    command: [sleep, '600']`n"
        $run = Publish-Workflow $folder | Start-WorkflowRun
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (Get-RunContainer $run.RunId -Running) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-RunContainer $run.RunId -Running | Should -Not -BeNullOrEmpty -Because 'the step''s container runs before the stop'
        $clock = [Diagnostics.Stopwatch]::StartNew()

        $stopped = Stop-WorkflowRun -RunId $run.RunId -PassThru -Confirm:$false

        $stopped.State | Should -Be 'Cancelled'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
        Get-RunContainer $run.RunId | Should -BeNullOrEmpty
    }

    It 'fails the step with the image and the fix when pull is Never and the engine lacks the image' {
        $folder = New-TestWorkflow -Name absent -Yaml "name: absent`nversion: 1.0.0`nsteps:`n  - name: a`n    image: workflow-test/absent:1`n    pull: Never`n"

        $run = Publish-Workflow $folder | Start-WorkflowRun -Wait -ErrorAction SilentlyContinue

        $run.State | Should -Be 'Failed'
        $run.Error | Should -BeLike "Step 'a' failed: Image 'workflow-test/absent:1' is not on the Docker engine at *pull policy is Never*"
    }

    It 'reads DOCKER_HOST when the step runs, and names it when nothing answers there' {
        $folder = New-TestWorkflow -Name nodocker -Yaml "name: nodocker`nversion: 1.0.0`nsteps:`n  - name: a`n    image: workflow-test/busybox:1`n    command: [echo, '{}']`n"
        $saved = $env:DOCKER_HOST
        $env:DOCKER_HOST = "unix://$testHome/no-docker.sock"
        try {
            $run = Publish-Workflow $folder | Start-WorkflowRun -Wait -ErrorAction SilentlyContinue
        }
        finally { $env:DOCKER_HOST = $saved }

        $run.State | Should -Be 'Failed'
        $run.Error | Should -BeLike "*The Docker engine at unix://*no-docker.sock (from DOCKER_HOST) did not answer*"
        # The same session, DOCKER_HOST back: the step runs.
        (Start-WorkflowRun nodocker-1.0.0 -Wait).State | Should -Be 'Succeeded'
    }
}

Describe 'Container steps on a region''s worker' {
    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
        $aws = Start-Fauxqs
        $workers = @()
    }

    AfterEach {
        foreach ($worker in $workers) { Stop-ChildPwsh $worker.Process }
        Remove-TestHome $testHome
        Stop-Fauxqs $aws
    }

    It 'runs them in a Start-WorkflowWorker process, which finds Docker through the DOCKER_HOST it inherits' {
        $bucket = 'wf-test-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $null = Publish-Workflow (New-TestWorkflow -Name boxes -Yaml $boxes -Files @{ 'steps/double.ps1' = $double }) -Region aws:us-east-1 -Bucket $bucket
        $workers = @(Start-TestWorker -TestHome $testHome -Index 1 -Bucket $bucket)
        Wait-TestWorker $workers 'takes tasks of' 60 | Should -BeTrue -Because ((Get-TestWorkerLine $workers[0]) -join "`n")

        $run = Start-WorkflowRun boxes-1.0.0 -Region aws:us-east-1
        $done = Wait-WorkflowRun $run.RunId -Timeout 120

        $done.State | Should -Be 'Succeeded' -Because ((Get-TestWorkerLine $workers[0]) -join "`n")
        ($run | Receive-WorkflowRun).n | Should -Be 6
        $null = Sync-WorkflowLog boxes-1.0.0
        (Get-WorkflowLog -RunId $run.RunId -Step count -Stream stderr).Message | Should -BeLike 'counting in *'
        Get-RunContainer $run.RunId | Should -BeNullOrEmpty
    }
}

Describe 'The container-steps example' {
    BeforeAll {
        $testHome = New-TestHome
        Import-StagedModule
        # No registry is reachable here: the test image stands in for busybox:1.36, so IfNotPresent finds it.
        docker tag workflow-test/busybox:1 busybox:1.36
        if ($LASTEXITCODE) { throw 'docker tag failed.' }
    }

    AfterAll {
        docker rmi busybox:1.36 *> $null
        Remove-TestHome $testHome
    }

    It 'runs as its README says: a checksum from the container, its stderr in the log and its artifact kept' {
        $run = Publish-Workflow (Copy-Example container-steps) | Start-WorkflowRun -Wait

        $run.State | Should -Be 'Succeeded'
        $report = $run | Receive-WorkflowRun
        $report | Should -Match '^\d+ bytes, sha256 [0-9a-f]{12}$'
        $log = Get-WorkflowLog $run -Step checksum
        $log.Stream | Should -Contain 'stderr'
        ($log | Where-Object Stream -EQ 'stderr').Message | Should -BeLike 'checksumming * bytes in *'
        $checksum = (Get-WorkflowRun $run).Steps | Where-Object Step -EQ checksum
        $checksum.State | Should -Be 'Succeeded'
        $artifact = Join-Path $testHome "blobs/runs/$($run.RunId)/artifacts/checksum/input.json"
        (Get-Content $artifact -Raw | ConvertFrom-Json).steps.collect.words | Should -Be @('alpha', 'beta', 'gamma')
        Get-RunContainer $run.RunId | Should -BeNullOrEmpty
    }
}
