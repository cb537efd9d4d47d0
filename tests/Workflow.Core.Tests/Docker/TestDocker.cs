using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflow.Docker;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Tests.Docker;

/// <summary>
/// The real dockerd the container tests run against: DOCKER_HOST, as build.ps1's Test task sets it
/// (Start-TestDocker) with the test image imported (Import-BusyboxImage, Import-BaseImage). When it
/// is unset or does not answer, every container test fails with a message saying so: never a skip.
/// </summary>
public sealed class TestDocker : IDisposable
{
    public const string Busybox = "workflow-test/busybox:1";
    public const string Base = "workflow/base:bookworm";

    public TestDocker()
    {
        Host = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host
            ? host
            : throw new InvalidOperationException("DOCKER_HOST is not set: the container tests need a running dockerd. Run them through `dotnet pwsh ./build.ps1 -Task Test` (Start-TestDocker), or start dockerd and set DOCKER_HOST.");
        Client = new DockerClientBuilder().WithEndpoint(new Uri(Host)).Build();
        try
        {
            Client.System.PingAsync().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The dockerd at DOCKER_HOST={Host} does not answer ({e.Message}): start it (build.ps1's Start-TestDocker does).", e);
        }
        foreach (var image in new[] { Busybox, Base })
        {
            try
            {
                Client.Images.InspectImageAsync(image).GetAwaiter().GetResult();
            }
            catch (DockerImageNotFoundException e)
            {
                throw new InvalidOperationException($"Image {image} is not on the dockerd at {Host}: import it with tools/docker/TestDocker.ps1 (Import-BusyboxImage, Import-BaseImage), as build.ps1's Test task does.", e);
            }
        }
    }

    public string Host { get; }

    public DockerClient Client { get; }

    /// <summary>The containers (running or not) that carry a run's label.</summary>
    public async Task<IList<ContainerListResponse>> ContainersOf(string runId) =>
        await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"workflow.run={runId}"] = true } },
        });

    /// <summary>Waits until a container of the run is running; fails the test after 30 s.</summary>
    public async Task<ContainerListResponse> RunningContainerOf(string runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var running = (await ContainersOf(runId)).FirstOrDefault(c => c.State == "running");
            if (running != null) return running;
            Assert.True(DateTime.UtcNow < deadline, $"No container of run {runId} was running within 30 s.");
            await Task.Delay(100);
        }
    }

    /// <summary>The host's pwsh tool (the repository's pinned PowerShell, from the NuGet cache) for run: steps in images without pwsh.</summary>
    public static string PwshHome()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, ".config", "dotnet-tools.json"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root was not found above the test assembly.");
        using var tools = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, ".config", "dotnet-tools.json")));
        var version = tools.RootElement.GetProperty("tools").GetProperty("powershell").GetProperty("version").GetString();
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var home = Directory.EnumerateDirectories(Path.Combine(packages, "powershell", version!, "tools"), "unix", SearchOption.AllDirectories)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "pwsh.dll")));
        return home ?? throw new InvalidOperationException($"PowerShell {version} is not in {packages}: run `dotnet tool restore`.");
    }

    public void Dispose() => Client.Dispose();
}

[CollectionDefinition("Docker")]
public sealed class DockerCollection : ICollectionFixture<TestDocker>
{
}

/// <summary>A step log that keeps what it is given, for assertions.</summary>
internal sealed class RecordingLog : IStepLog
{
    public ConcurrentQueue<(string Stream, string Message)> Lines { get; } = new();

    public void Write(string stream, string message) => Lines.Enqueue((stream, message));

    public IEnumerable<string> Of(string stream) => Lines.Where(l => l.Stream == stream).Select(l => l.Message);
}

/// <summary>One container step attempt run straight through the executor, in temp folders of its own.</summary>
internal sealed class ContainerCase : IDisposable
{
    public ContainerCase()
    {
        Root = Path.Combine(Path.GetTempPath(), "wf-docker-" + Guid.NewGuid().ToString("N").Substring(0, 12));
        Directory.CreateDirectory(Package);
        RunId = Guid.NewGuid().ToString("N").Substring(0, 12);
    }

    public string Root { get; }
    public string Package => Path.Combine(Root, "package");
    public string Artifacts => Path.Combine(Root, "artifacts");
    public string Scratch => Path.Combine(Root, "scratch");
    public string RunId { get; }
    public RecordingLog Log { get; } = new();

    /// <summary>The step, read from its workflow.yml lines (indented under "  - name: step") as Test-Workflow reads them.</summary>
    public StepDefinition Step(string lines)
    {
        var yaml = "name: demo\nversion: 1.0.0\nsteps:\n  - name: step\n" + lines;
        File.WriteAllText(Path.Combine(Package, "workflow.yml"), yaml);
        var result = WorkflowReader.Parse(yaml, Path.Combine(Package, "workflow.yml"), Package);
        Assert.Empty(result.Diagnostics);
        return result.Definition!.Steps[0];
    }

    public void WriteFile(string relative, string text)
    {
        var path = Path.Combine(Package, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public StepInvocation Invocation(StepDefinition step, string inputJson = "null", IReadOnlyDictionary<string, string>? environment = null, int? item = null, int attempt = 1) => new()
    {
        Step = step,
        PackageDirectory = Package,
        Input = new StepInput(new SharedInput($"{{\"input\":{inputJson},\"steps\":{{}}}}"), item?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new StepContext(RunId, "demo-1.0.0", step.Name, item, attempt, "local", Artifacts)),
        Environment = environment ?? new Dictionary<string, string>(),
        ArtifactsDirectory = Artifacts,
        Log = Log,
    };

    public ContainerExecutor Executor(string? dockerHost = null) => new(new ContainerExecutorOptions { DockerHost = dockerHost, ScratchRoot = Scratch, PwshHome = TestDocker.PwshHome() });

    public async Task<string> RunAsync(string lines, string inputJson = "null", IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        using var executor = Executor();
        return await executor.ExecuteAsync(Invocation(Step(lines), inputJson, environment), cancellationToken);
    }

    public async Task<StepFailedException> FailsAsync(string lines, string? dockerHost = null)
    {
        using var executor = Executor(dockerHost);
        return await Assert.ThrowsAsync<StepFailedException>(() => executor.ExecuteAsync(Invocation(Step(lines)), CancellationToken.None));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
        }
    }
}
