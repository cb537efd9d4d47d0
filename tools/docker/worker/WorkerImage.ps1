# The worker image (region workers as containers), dot-sourced by build.ps1 (-Task WorkerImage) and
# by tests/pester/WorkerImage.Tests.ps1. No registry is reachable from the build machine: the
# image is FROM the local debootstrap base, and what runs in it is copied from this machine: the
# .NET runtime pwsh needs (the host and Microsoft.NETCore.App only, not the SDK), the repository's
# pwsh tool from the NuGet packages folder, and the staged module. Docker's layer cache makes a
# build with nothing changed quick, so callers build rather than ask whether the image is current.

function Build-WorkerImage {
    <#
    Builds workflow/worker:<module version> from tools/docker/worker/Dockerfile, tags it
    workflow/worker:latest and returns Tag, Id and Size (bytes). Needs $env:DOCKER_HOST answering
    (Start-TestDocker) and the base image (Import-BaseImage).
    #>
    param(
        # The staged module folder (out/Workflow.PowerShell).
        [Parameter(Mandatory)] [string] $Module,
        [string] $Repository = 'workflow/worker',
        [string] $Base = 'workflow/base:bookworm'
    )
    $ErrorActionPreference = 'Stop'
    $repo = Resolve-Path (Join-Path $PSScriptRoot '../../..')
    $manifest = Join-Path $Module 'Workflow.PowerShell.psd1'
    if (-not (Test-Path $manifest)) { throw "The module is not staged at $Module`: run ./build.ps1 -Task Build." }
    $version = (Import-PowerShellDataFile $manifest).ModuleVersion
    # The image runs this machine's binaries: the same operating system and processor.
    $rid = [Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    if ($rid -notin 'linux-x64', 'linux-arm64') { throw "The worker image is built from this machine's .NET and pwsh, which must be linux-x64 or linux-arm64 (this is $rid)." }
    $pwsh = Get-PwshToolFolder $repo
    $runtime = Get-PwshRuntime $pwsh

    $context = Join-Path ([IO.Path]::GetTempPath()) "wf-worker-image-$PID"
    Remove-Item $context -Recurse -Force -ErrorAction Ignore
    $null = New-Item -ItemType Directory -Path "$context/dotnet/host/fxr", "$context/dotnet/shared/Microsoft.NETCore.App"
    try {
        Copy-Item "$($runtime.Root)/dotnet" "$context/dotnet/"
        Copy-Item "$($runtime.Root)/LICENSE.txt", "$($runtime.Root)/ThirdPartyNotices.txt" "$context/dotnet/" -ErrorAction Ignore
        Copy-Item $runtime.HostFxr "$context/dotnet/host/fxr/" -Recurse
        Copy-Item $runtime.Shared "$context/dotnet/shared/Microsoft.NETCore.App/" -Recurse
        # pwsh and the module carry native libraries for every platform: keep this one's.
        Copy-Item $pwsh "$context/pwsh" -Recurse
        Remove-OtherRuntime "$context/pwsh/runtimes" -Keep 'unix', 'linux', $rid
        Copy-Item $Module "$context/module" -Recurse
        Remove-OtherRuntime "$context/module/lib/runtimes" -Keep $rid
        Copy-Item (Join-Path $PSScriptRoot 'Dockerfile'), (Join-Path $PSScriptRoot 'worker.ps1') $context
        # The NuGet cache keeps files executable and readable by their owner only; the image's user is another.
        & chmod -R 'a+rX' $context
        & chmod 'a+x' "$context/pwsh/pwsh" "$context/dotnet/dotnet"

        $revision = Get-SourceRevision $repo
        $tags = "$Repository`:$version", "$Repository`:latest"
        # --network none: the one RUN (useradd) needs no network, and the test dockerd has no bridge.
        $output = & docker build --network none --build-arg "BASE=$Base" --build-arg "VERSION=$version" --build-arg "REVISION=$revision" `
            --tag $tags[0] --tag $tags[1] $context 2>&1
        if ($LASTEXITCODE) { throw "docker build of $($tags[0]) failed (exit code $LASTEXITCODE): $($output | Select-Object -Last 10 | Out-String)" }
    }
    finally { Remove-Item $context -Recurse -Force -ErrorAction Ignore }
    $image = (& docker image inspect $tags[0] | ConvertFrom-Json)[0]
    [pscustomobject]@{ Tag = $tags[0]; Id = $image.Id; Size = [long] $image.Size; Runtime = $runtime.Version; Revision = $revision }
}

function Get-PwshToolFolder([string] $Repo) {
    # The pwsh of .config/dotnet-tools.json, in the NuGet global packages folder: tools/<tfm>/any/unix.
    $version = (Get-Content (Join-Path $Repo '.config/dotnet-tools.json') -Raw | ConvertFrom-Json).tools.powershell.version
    $packages = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $folder = Get-ChildItem (Join-Path $packages "powershell/$version/tools") -Directory -ErrorAction Ignore |
        ForEach-Object { Join-Path $_.FullName 'any/unix' } | Where-Object { Test-Path (Join-Path $_ 'pwsh.dll') } | Select-Object -First 1
    if (-not $folder) { throw "pwsh $version is not in the NuGet packages folder ($packages): run 'dotnet tool restore'." }
    $folder
}

function Get-PwshRuntime([string] $Pwsh) {
    <#
    The installed Microsoft.NETCore.App that pwsh.runtimeconfig.json asks for (same major, at least
    its version; the newest such, as the host's roll-forward picks it) and the host's newest hostfxr.
    #>
    $wanted = [version] (Get-Content (Join-Path $Pwsh 'pwsh.runtimeconfig.json') -Raw | ConvertFrom-Json).runtimeOptions.framework.version
    $found = foreach ($line in (dotnet --list-runtimes)) {
        if ($line -match '^Microsoft\.NETCore\.App (\d+\.\d+\.\d+) \[(.+)\]$' -and ([version] $Matches[1]).Major -eq $wanted.Major -and [version] $Matches[1] -ge $wanted) {
            [pscustomobject]@{ Version = [version] $Matches[1]; Folder = Join-Path $Matches[2] $Matches[1] }
        }
    }
    $chosen = $found | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $chosen) { throw "pwsh needs Microsoft.NETCore.App $wanted or a later $($wanted.Major).x, and 'dotnet --list-runtimes' lists none." }
    $root = Split-Path (Split-Path (Split-Path $chosen.Folder)) # <root>/shared/Microsoft.NETCore.App/<version>
    $fxr = Get-ChildItem (Join-Path $root 'host/fxr') -Directory | Sort-Object { [version] $_.Name } -Descending | Select-Object -First 1
    [pscustomobject]@{ Version = "$($chosen.Version)"; Root = $root; Shared = $chosen.Folder; HostFxr = $fxr.FullName }
}

function Remove-OtherRuntime([string] $Folder, [string[]] $Keep) {
    # runtimes/<rid>/ folders of the platforms the image is not.
    Get-ChildItem $Folder -Directory -ErrorAction Ignore | Where-Object Name -NotIn $Keep | Remove-Item -Recurse -Force
}

function Get-SourceRevision([string] $Repo) {
    # The commit the image is built from, '-dirty' when the tree has changes; 'unknown' outside git.
    $commit = & git -C $Repo rev-parse HEAD 2>$null
    if ($LASTEXITCODE -or -not $commit) { return 'unknown' }
    $changes = & git -C $Repo status --porcelain 2>$null
    if ($changes) { "$commit-dirty" } else { "$commit" }
}
