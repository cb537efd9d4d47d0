# The Docker engine the tests and benches use (DESIGN §8), dot-sourced by build.ps1: Debian's
# dockerd as root on a socket of its own, with no bridge and no iptables, so it touches nothing
# else on the machine. The tests find it through DOCKER_HOST and fail loudly when it is missing.
# No registry is reachable from here: images are made locally with `docker import`.

function Start-TestDocker {
    <# Starts dockerd (when DOCKER_HOST does not already answer) and sets $env:DOCKER_HOST for the child processes. #>
    if ($env:DOCKER_HOST -and (Test-DockerHost)) { return }
    $dockerd = Get-Command dockerd -ErrorAction Ignore
    if (-not $dockerd) { throw "dockerd is not installed: 'apt-get install docker.io' (.ci/run does)." }
    # A short folder: containerd's socket path must stay under 108 characters.
    $root = "/tmp/wfd-$PID"
    $null = New-Item -ItemType Directory -Force -Path "$root/run"
    $arguments = @('--bridge', 'none', '--iptables=false', '--ip6tables=false', '--ip-masq=false',
        '-H', "unix://$root/run/docker.sock", '--data-root', "$root/root", '--exec-root', "$root/exec",
        '--pidfile', "$root/run/docker.pid")
    $script:TestDockerd = Start-Process $dockerd.Source -ArgumentList $arguments -PassThru `
        -RedirectStandardOutput "$root/dockerd.out" -RedirectStandardError "$root/dockerd.log"
    $script:TestDockerRoot = $root
    $env:DOCKER_HOST = "unix://$root/run/docker.sock"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not (Test-DockerHost)) {
        if ($script:TestDockerd.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            throw "dockerd did not start: $(Get-Content "$root/dockerd.log" -Tail 5 -ErrorAction Ignore)"
        }
        Start-Sleep -Milliseconds 200
    }
    Write-Host "dockerd $((docker version --format '{{.Server.Version}}' 2>$null)) at $env:DOCKER_HOST"
}

function Test-DockerHost {
    $null = docker version --format '{{.Server.APIVersion}}' 2>$null
    $LASTEXITCODE -eq 0
}

function Stop-TestDocker {
    <# Stops the dockerd this script started (by its pid) and removes its folder. #>
    if (-not $script:TestDockerd) { return }
    $process = $script:TestDockerd
    $script:TestDockerd = $null
    if (-not $process.HasExited) {
        $process.Kill() # SIGKILL would leave containerd and the mounts; ask nicely first
        $null = $process.WaitForExit(20000)
    }
    Remove-Item Env:DOCKER_HOST -ErrorAction Ignore
    # dockerd bind-mounts its data root onto itself and its default netns, and leaves both mounts behind.
    & umount "$script:TestDockerRoot/exec/netns/default" 2>$null
    & umount "$script:TestDockerRoot/root" 2>$null
    Remove-Item $script:TestDockerRoot -Recurse -Force -ErrorAction Ignore
}

function Import-BusyboxImage {
    <#
    workflow-test/busybox:1 — a 2 MB image of Debian's busybox-static, imported (not pulled): the
    image the container tests and the container bench run.
    #>
    param([string] $Tag = 'workflow-test/busybox:1')
    $null = docker image inspect $Tag 2>$null
    if ($LASTEXITCODE -eq 0) { return }
    $busybox = '/bin/busybox'
    if (-not (Test-Path $busybox)) { throw "busybox is not installed: 'apt-get install busybox-static' (.ci/run does)." }
    $rootfs = Join-Path ([IO.Path]::GetTempPath()) "wf-busybox-$PID"
    $null = New-Item -ItemType Directory -Force -Path "$rootfs/bin", "$rootfs/tmp"
    try {
        Copy-Item $busybox "$rootfs/bin/busybox"
        foreach ($applet in (& $busybox --list)) {
            if ($applet -ne 'busybox') { $null = New-Item -ItemType SymbolicLink -Path "$rootfs/bin/$applet" -Target busybox }
        }
        tar -C $rootfs -c . | docker import --change 'ENV PATH=/bin' - $Tag | Out-Null
        if ($LASTEXITCODE) { throw "docker import of $Tag failed (exit code $LASTEXITCODE)" }
    }
    finally { Remove-Item $rootfs -Recurse -Force -ErrorAction Ignore }
}

function Import-BaseImage {
    <#
    workflow/base:bookworm — a minimal Debian 12 made by debootstrap (no registry is reachable) and
    imported: enough to run pwsh, either the host's pwsh and .NET mounted read-only or a copy inside
    (the worker image). The rootfs tarball is cached under out/cache, so only the first build pays
    debootstrap's ~25 s.
    #>
    param([string] $Tag = 'workflow/base:bookworm')
    $null = docker image inspect $Tag 2>$null
    if ($LASTEXITCODE -eq 0) { return }
    $cache = Join-Path $PSScriptRoot '../../out/cache'
    # -slim: apt's caches and lists and the locale files (125 of 258 MB) are left out of every image.
    $tarball = Join-Path $cache 'bookworm-minbase-slim.tar'
    if (-not (Test-Path $tarball)) {
        if (-not (Get-Command debootstrap -ErrorAction Ignore)) { throw "debootstrap is not installed: 'apt-get install debootstrap' (.ci/run does)." }
        $null = New-Item -ItemType Directory -Force -Path $cache
        $rootfs = Join-Path ([IO.Path]::GetTempPath()) "wf-bookworm-$PID"
        try {
            & debootstrap --variant=minbase --include=libicu72,libssl3,ca-certificates bookworm $rootfs http://deb.debian.org/debian *> (Join-Path $cache 'debootstrap.log')
            if ($LASTEXITCODE) { throw "debootstrap failed (exit code $LASTEXITCODE); see out/cache/debootstrap.log" }
            Remove-Item "$rootfs/var/cache/apt/*", "$rootfs/var/lib/apt/lists/*", "$rootfs/usr/share/locale/*" -Recurse -Force -ErrorAction Ignore
            & tar -C $rootfs -cf "$tarball.part" .
            if ($LASTEXITCODE) { throw "tar of the rootfs failed (exit code $LASTEXITCODE)" }
            Move-Item "$tarball.part" $tarball -Force
        }
        finally { Remove-Item $rootfs -Recurse -Force -ErrorAction Ignore }
    }
    & docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' $tarball $Tag | Out-Null
    if ($LASTEXITCODE) { throw "docker import of $Tag failed (exit code $LASTEXITCODE)" }
}
