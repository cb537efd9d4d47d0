using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Docker;

/// <summary>Where a container executor finds Docker, pwsh and room for its attempts' files.</summary>
public sealed record ContainerExecutorOptions
{
    /// <summary>The Docker engine's address; null: DOCKER_HOST as each attempt starts, else the platform's default socket.</summary>
    public string? DockerHost { get; init; }

    /// <summary>Where each attempt gets a folder for its WORKFLOW_INPUT and WORKFLOW_OUTPUT files; default: the system temp folder.</summary>
    public string? ScratchRoot { get; init; }

    /// <summary>The host's pwsh folder (with pwsh.dll) to mount for run: scripts; default: the PowerShell this process hosts, if any.</summary>
    public string? PwshHome { get; init; }

    /// <summary>The .NET root a framework-dependent pwsh runs on; default: DOTNET_ROOT, else the runtime this process runs on.</summary>
    public string? DotnetRoot { get; init; }
}

/// <summary>
/// Runs container steps (<c>image:</c>) on a Docker engine, with the command step's contract: the
/// input document on stdin and in WORKFLOW_INPUT, the output as JSON in WORKFLOW_OUTPUT or on stdout,
/// stderr as the log, files under WORKFLOW_ARTIFACTS as artifacts, non-zero exit as failure. A
/// <c>run:</c> script with <c>image:</c> runs under pwsh in the container, with the script step's
/// <c>$Context</c>. Making one touches no engine: it connects when the first container step runs.
/// </summary>
public sealed class ContainerExecutor : IStepExecutor, IDisposable
{
    private readonly DockerEngines engines;
    private readonly string scratchRoot;
    private readonly PwshPlanner pwsh;

    public ContainerExecutor(ContainerExecutorOptions? options = null)
    {
        options ??= new ContainerExecutorOptions();
        engines = new DockerEngines(options.DockerHost);
        scratchRoot = options.ScratchRoot ?? Path.GetTempPath();
        var host = new Lazy<HostPwsh?>(() => HostPwsh.Find(options.PwshHome, options.DotnetRoot));
        pwsh = new PwshPlanner(() => host.Value);
    }

    public StepKind Kind => StepKind.Container;

    public async Task<string> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var step = invocation.Step;
        var image = step.Image ?? throw new ArgumentException("The step has no image.", nameof(invocation));
        var docker = engines.Current();
        Directory.CreateDirectory(invocation.ArtifactsDirectory);
        var io = Path.Combine(scratchRoot, "wf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(io);
        try
        {
            // The container's user need not be this process's: let it write its output and artifacts.
            OpenToAll(io);
            OpenToAll(invocation.ArtifactsDirectory);
            var found = await ImagePuller.EnsureAsync(docker, image, step.Container.Pull, invocation.Log, cancellationToken).ConfigureAwait(false);
            var launch = step.Run != null ? await pwsh.PlanAsync(docker, found, image, step.Container.Pwsh, cancellationToken).ConfigureAwait(false) : null;
            if (launch != null) File.WriteAllText(Path.Combine(io, ContainerShim.FileName), ContainerShim.Script);

            // The step sees its artifacts folder where it is mounted, not where it is on this host.
            var input = (invocation.Input with { Context = invocation.Input.Context with { Artifacts = ContainerRequest.ArtifactsFolder } }).ToJson();
            File.WriteAllText(Path.Combine(io, "input.json"), input);
            var parameters = ContainerRequest.Build(invocation, io, found, launch);

            var exit = await ContainerAttempt.RunAsync(docker, parameters, new UTF8Encoding(false).GetBytes(input), invocation.Log, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (exit.OutOfMemory)
            {
                throw new StepFailedException(WorkflowErrors.StepContainerOutOfMemory,
                    $"The container of image '{image}' was killed for running out of memory: it used more than memory_mb ({step.MemoryMb} MB). Raise the step's memory_mb, or make it use less.");
            }
            if (exit.ExitCode != 0)
            {
                throw new StepFailedException(WorkflowErrors.StepContainerFailed,
                    $"The container of image '{image}' exited with code {exit.ExitCode}." + (exit.StderrTail.Length > 0 ? $" stderr: {exit.StderrTail}" : ""));
            }
            var outputFile = Path.Combine(io, "output.json");
            var text = File.Exists(outputFile) && new FileInfo(outputFile).Length > 0 ? File.ReadAllText(outputFile) : exit.Stdout;
            return StepOutput.Normalize(text);
        }
        finally
        {
            try { Directory.Delete(io, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public void Dispose() => engines.Dispose();

    /// <summary>chmod 0777 on Unix: netstandard2.0 has no API for file modes, libc's chmod is one call.</summary>
    private static void OpenToAll(string folder)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
        _ = chmod(folder, 0x1FF); // best effort: where it fails, a container running as root still writes
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int chmod(string path, uint mode);
}
