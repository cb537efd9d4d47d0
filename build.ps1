<#
.SYNOPSIS
    Builds, tests, demonstrates, benchmarks and packages Workflow.PowerShell.
.DESCRIPTION
    Named tasks that bring their dependencies with them, as jborean93's PSToml and Yayaml build
    scripts do: -Task Test builds first, -Task Package builds and then packages. Run it with the
    repository's pinned PowerShell (`dotnet tool restore` once, then `dotnet pwsh ./build.ps1`).

      Build    the solution; stages the module folder at out/Workflow.PowerShell
      Format   applies .editorconfig with `dotnet format` (FormatCheck only checks)
      Test     Build, then the xunit tests of Core and of the AWS layer (Lambda fixture), then Pester
      Pester   Build and Package, then the Pester 5 surface tests in a real pwsh (tests/pester);
               installs fauxqs (S3 + SQS on loopback, npm) into tools/fauxqs and the Lambda fixture
               into tools/lambda-fixture when they are missing
      Demo     Build, then the quickstart end to end on the embedded engine, in a fresh pwsh
      Bench    Build, then the benchmarks under bench/ (installs fauxqs as Pester does; starts dockerd
               for the container bench; placement: self-check, the --quick rows and --timing;
               Lambda-hosted vs long-running workers)
      Package  Build, then out/Workflow.PowerShell.<version>.nupkg through Publish-PSResource
      WorkerImage
               Build, then the region worker image workflow/worker:<version> (and :latest) from
               tools/docker/worker: .NET, pwsh and the staged module on the debootstrap base. Built
               in the Docker engine that answers (DOCKER_HOST, else the default socket); with none,
               in a dockerd of its own, saved to out/workflow-worker-<version>.tar for `docker load`
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Demo
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Pester -PesterPath tests/pester/Errors.Tests.ps1
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task WorkerImage; docker run --rm workflow/worker -?
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Format', 'FormatCheck', 'Test', 'Pester', 'Demo', 'Bench', 'Package', 'WorkerImage')]
    [string[]] $Task = @('Build'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # The Pester files or folders to run (default: the surface tests and the users' example).
    [string[]] $PesterPath = @('tests/pester', 'examples/pester')
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
# From a shell (`dotnet pwsh ./build.ps1 -PesterPath a,b`) a list arrives as one string.
$PesterPath = $PesterPath -split ','

$dependsOn = @{
    Test        = @('Build')
    Pester      = @('Build', 'Package') # Package.Tests.ps1 installs the package; WorkerImage.Tests.ps1 builds its image
    Demo        = @('Build')
    Bench       = @('Build')
    Package     = @('Build')
    WorkerImage = @('Build')
}
# dockerd on a socket of its own for the container tests and bench (DESIGN §8).
. (Join-Path $PSScriptRoot 'tools/docker/TestDocker.ps1')
# The region worker image (Build-WorkerImage), for the WorkerImage task and tests/pester/WorkerImage.Tests.ps1.
. (Join-Path $PSScriptRoot 'tools/docker/worker/WorkerImage.ps1')

$pesterVersion = '5.7.1' # also in tools/pester/Pester.Download.csproj
$stage = Join-Path $PSScriptRoot 'out/Workflow.PowerShell'

function Invoke-Native {
    # Runs a program and throws when it exits non-zero: native failures do not stop a script by themselves.
    param([string] $What, [scriptblock] $Native)
    & $Native
    if ($LASTEXITCODE) { throw "$What failed (exit code $LASTEXITCODE)" }
}

function Get-Pwsh {
    # The pwsh running this script, for child sessions: the dotnet tool runs as `dotnet pwsh.dll`.
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { , @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    else { , @($process) }
}

function Install-Fauxqs {
    # fauxqs (S3 + SQS on loopback) at the version tools/fauxqs/package-lock.json pins, when it is missing.
    if (Test-Path 'tools/fauxqs/node_modules/fauxqs/package.json') { return }
    Push-Location tools/fauxqs
    try { Invoke-Native 'npm ci (fauxqs)' { npm ci --no-audit --no-fund } }
    finally { Pop-Location }
}

function Install-LambdaFixture {
    # The Lambda control plane on loopback (@vercel/fun runs the functions) at the versions
    # tools/lambda-fixture/package-lock.json pins, when it is missing.
    if (Test-Path 'tools/lambda-fixture/node_modules/@vercel/fun/package.json') { return }
    Push-Location tools/lambda-fixture
    try { Invoke-Native 'npm ci (lambda fixture)' { npm ci --no-audit --no-fund } }
    finally { Pop-Location }
}

$tasks = @{
    Build       = {
        Invoke-Native 'dotnet build' { dotnet build Workflow.PowerShell.sln -c $Configuration }
    }
    Format      = {
        Invoke-Native 'dotnet format' { dotnet format whitespace Workflow.PowerShell.sln }
        Invoke-Native 'dotnet format' { dotnet format style Workflow.PowerShell.sln --severity warn }
    }
    FormatCheck = {
        Invoke-Native 'dotnet format' { dotnet format whitespace Workflow.PowerShell.sln --verify-no-changes }
        Invoke-Native 'dotnet format' { dotnet format style Workflow.PowerShell.sln --verify-no-changes --severity warn }
    }
    Test        = {
        Start-TestDocker
        Import-BusyboxImage
        Import-BaseImage
        Invoke-Native 'xunit tests' { dotnet test tests/Workflow.Core.Tests -c $Configuration --no-build }
        # The Lambda client against the Lambda fixture (node) and fauxqs, which the tests start themselves.
        Install-Fauxqs
        Install-LambdaFixture
        Invoke-Native 'Lambda fixture tests' { node --test tools/lambda-fixture/test }
        Invoke-Native 'xunit tests (AWS)' { dotnet test tests/Workflow.Aws.Tests -c $Configuration --no-build }
        Invoke-Task Pester
    }
    Pester      = {
        # The AWS and reliability tests run against fauxqs, the container tests against dockerd.
        Install-Fauxqs
        Install-LambdaFixture
        Start-TestDocker
        Import-BusyboxImage
        Import-BaseImage
        # Pester comes from NuGet (the package holds the module under tools/), at a pinned version.
        Invoke-Native 'Pester restore' { dotnet restore tools/pester/Pester.Download.csproj }
        $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
        $pester = Join-Path $packages.Trim() "pester/$pesterVersion/tools/Pester.psd1"
        # A child pwsh: the tests import the staged module by path, as a user does, in a clean session.
        $pwsh = Get-Pwsh
        $script = {
            param($pester, $paths, $modules)
            # The staged module is found by name too, as an installed one is (examples/pester imports it so).
            $env:PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
            Import-Module $pester -ErrorAction Stop
            $configuration = New-PesterConfiguration
            $configuration.Run.Path = $paths
            $configuration.Run.Exit = $true
            $configuration.Output.Verbosity = 'Detailed'
            $configuration.TestResult.Enabled = $true
            $configuration.TestResult.OutputPath = 'out/pester-results.xml'
            Invoke-Pester -Configuration $configuration
        }
        $command = "& { $script } '$pester' @('$($PesterPath -join "','")') '$(Split-Path $stage)'"
        Invoke-Native 'Pester tests' { & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $command }
    }
    Demo        = {
        $pwsh = Get-Pwsh
        $command = "Import-Module '$stage' -ErrorAction Stop; & '$PSScriptRoot/examples/quickstart.ps1'"
        Invoke-Native 'the quickstart' { & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $command }
    }
    Bench       = {
        Invoke-Native 'embedded bench' { dotnet run --project bench/Workflow.Bench -c $Configuration --no-build }
        Install-Fauxqs # the distributed bench runs its workers against fauxqs
        Install-LambdaFixture
        Invoke-Native 'distributed bench' { dotnet run --project bench/Workflow.Bench.Distributed -c $Configuration --no-build }
        # Container steps against `docker run` of the same image and command, on dockerd's own socket.
        Start-TestDocker
        Import-BusyboxImage
        Invoke-Native 'container bench' { dotnet run --project bench/Workflow.Bench.Containers -c $Configuration --no-build }
        # Lambda-hosted workers (the fixture runs the functions' bootstraps) vs Start-WorkflowWorker processes, in a fresh pwsh.
        $pwsh = Get-Pwsh
        Invoke-Native 'Lambda bench' { & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File bench/lambda/lambda.ps1 }
        # The placement bench in full (60 rows of 24 hours) takes ~6 minutes on the 2-core machine: here the
        # port's self-check, the quick rows and the speed target; the full table is `dotnet run ... -c Release`.
        Invoke-Native 'placement self-check' { dotnet run --project bench/Workflow.Bench.Placement -c $Configuration --no-build -- --self-check }
        Invoke-Native 'placement bench (quick)' { dotnet run --project bench/Workflow.Bench.Placement -c $Configuration --no-build -- --quick }
        Invoke-Native 'placement timing' { dotnet run --project bench/Workflow.Bench.Placement -c $Configuration --no-build -- --timing }
    }
    Package     = {
        $version = (Import-PowerShellDataFile "$stage/Workflow.PowerShell.psd1").ModuleVersion
        $repository = Join-Path $PSScriptRoot 'out'
        $name = "Workflow.PowerShell.Build.$PID"
        Get-ChildItem $repository -Filter "Workflow.PowerShell.$version.nupkg" | Remove-Item
        Register-PSResourceRepository -Name $name -Uri $repository -Trusted
        try { Publish-PSResource -Path $stage -Repository $name }
        finally { Unregister-PSResourceRepository -Name $name }
        "Packaged $(Join-Path $repository "Workflow.PowerShell.$version.nupkg" -Resolve)"
    }
    WorkerImage = {
        # The engine the user has, if one answers; else one of our own, which goes when this script ends.
        $ownEngine = -not (Test-DockerHost)
        if ($ownEngine) { Start-TestDocker }
        Import-BaseImage
        $image = Build-WorkerImage -Module $stage
        "Built $($image.Tag) and workflow/worker:latest: $([math]::Round($image.Size / 1MB)) MB, .NET $($image.Runtime), source $($image.Revision)"
        if ($ownEngine) {
            $tarball = Join-Path $PSScriptRoot "out/workflow-worker-$(($image.Tag -split ':')[1]).tar"
            Invoke-Native 'docker save' { docker save --output $tarball $image.Tag workflow/worker:latest }
            "Saved to $tarball (no Docker engine was running): load it with docker load --input $tarball"
        }
    }
}

$done = [Collections.Generic.HashSet[string]]::new()
function Invoke-Task([string] $Name) {
    if (-not $done.Add($Name)) { return }
    foreach ($dependency in $dependsOn[$Name]) { Invoke-Task $dependency }
    Write-Host "== $Name ==" -ForegroundColor Cyan
    & $tasks[$Name]
}
try { foreach ($name in $Task) { Invoke-Task $name } }
finally { Stop-TestDocker }
