using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Docker;

/// <summary>How a run: script starts under pwsh in its container: the program, and what must be mounted for it.</summary>
internal sealed record PwshLaunch(IReadOnlyList<string> Entrypoint, HostPwsh? Host);

/// <summary>
/// The host's pwsh and .NET, to mount read-only into a container whose image has no pwsh, as GitHub
/// Actions mounts its runtime at /__e. A framework-dependent pwsh (the dotnet tool, as this repository
/// runs) needs the .NET root beside it; a self-contained one (the Linux packages) carries its runtime.
/// </summary>
internal sealed record HostPwsh(string PwshHome, string? DotnetRoot)
{
    public const string PwshTarget = "/__e/pwsh";
    public const string DotnetTarget = "/__e/dotnet";

    /// <summary>
    /// The host's pwsh, from the folders given or this process's own PowerShell and runtime; null when
    /// there is none a Linux container can run (no pwsh loaded, or a Windows or macOS host, whose
    /// binaries a Linux container cannot execute).
    /// </summary>
    public static HostPwsh? Find(string? pwshHome, string? dotnetRoot)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
        var home = pwshHome ?? LoadedPowerShellFolder();
        if (home == null || !File.Exists(Path.Combine(home, "pwsh.dll"))) return null;
        if (File.Exists(Path.Combine(home, "libcoreclr.so"))) return new HostPwsh(home, null);
        var root = dotnetRoot ?? (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } set ? set : RunningDotnetRoot());
        return root != null && File.Exists(Path.Combine(root, "dotnet")) ? new HostPwsh(home, root) : null;
    }

    public IReadOnlyList<string> Entrypoint => DotnetRoot != null
        ? new[] { DotnetTarget + "/dotnet", PwshTarget + "/pwsh.dll" }
        : new[] { PwshTarget + "/pwsh" };

    /// <summary>The folder of System.Management.Automation when this process hosts PowerShell: $PSHOME.</summary>
    private static string? LoadedPowerShellFolder()
    {
        var automation = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "System.Management.Automation");
        return automation is { IsDynamic: false, Location.Length: > 0 } ? Path.GetDirectoryName(automation.Location) : null;
    }

    /// <summary>The .NET root this process runs on: …/shared/Microsoft.NETCore.App/&lt;version&gt;/ is three levels under it.</summary>
    private static string? RunningDotnetRoot()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var root = runtime == null ? null : Directory.GetParent(runtime)?.Parent?.Parent?.FullName;
        return root != null && File.Exists(Path.Combine(root, "dotnet")) ? root : null;
    }
}

/// <summary>Decides which pwsh runs a container's script: the image's, probed once per image, or the host's.</summary>
internal sealed class PwshPlanner
{
    private readonly ConcurrentDictionary<string, bool> imageHasPwsh = new(StringComparer.Ordinal);
    private readonly Func<HostPwsh?> host;

    public PwshPlanner(Func<HostPwsh?> host) => this.host = host;

    public async Task<PwshLaunch> PlanAsync(DockerEngine docker, ImageInspectResponse image, string reference, ContainerPwsh mode, CancellationToken cancellationToken)
    {
        if (mode != ContainerPwsh.Host)
        {
            if (!imageHasPwsh.TryGetValue(image.ID, out var has))
            {
                has = await ProbeAsync(docker, image.ID, cancellationToken).ConfigureAwait(false);
                imageHasPwsh[image.ID] = has;
            }
            if (has) return new PwshLaunch(new[] { "pwsh" }, null);
            if (mode == ContainerPwsh.Image)
            {
                throw new StepFailedException(WorkflowErrors.StepPwshNotAvailable,
                    $"Image '{reference}' has no pwsh on its PATH, and the step says pwsh: image. Use an image with PowerShell, or set pwsh: auto (or host) to run the script with the host's pwsh mounted.");
            }
        }
        var found = host() ?? throw new StepFailedException(WorkflowErrors.StepPwshNotAvailable,
            (mode == ContainerPwsh.Host ? "The step says pwsh: host" : $"Image '{reference}' has no pwsh on its PATH")
            + ", and this host's pwsh cannot be mounted into a Linux container: it runs no framework-dependent pwsh with its .NET root, or it is not Linux. Use an image with PowerShell, or run the step on a Linux worker in pwsh 7.");
        return new PwshLaunch(found.Entrypoint, found);
    }

    /// <summary>
    /// Whether the image has a pwsh on its PATH: Docker resolves the entrypoint when the container
    /// starts, so a start that succeeds says yes and one refused as "executable file not found" says no.
    /// </summary>
    private static async Task<bool> ProbeAsync(DockerEngine docker, string imageId, CancellationToken cancellationToken)
    {
        var created = await docker.Call(c => c.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = imageId,
            Entrypoint = new[] { "pwsh", "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "exit 0" },
            Labels = new Dictionary<string, string> { ["workflow.probe"] = "pwsh" },
            HostConfig = new HostConfig { NetworkMode = "none", Memory = 256L << 20 },
        }, cancellationToken), cancellationToken).ConfigureAwait(false);
        try
        {
            await docker.Call(c => c.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerApiException e) when (ImagePuller.ApiMessage(e) is var message
            && (message.IndexOf("not found", StringComparison.OrdinalIgnoreCase) >= 0 || message.IndexOf("no such file", StringComparison.OrdinalIgnoreCase) >= 0))
        {
            return false;
        }
        catch (DockerApiException e)
        {
            throw new StepFailedException(WorkflowErrors.StepContainerNotStarted,
                $"Docker could not start a container of image '{imageId}' to look for pwsh in it: {ImagePuller.ApiMessage(e).Trim()} Set pwsh: host or pwsh: image to skip the look.", e);
        }
        finally
        {
            await ContainerCleanup.RemoveAsync(docker, created.ID).ConfigureAwait(false);
        }
    }
}
