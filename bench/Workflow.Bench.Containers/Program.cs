using System.Diagnostics;
using System.Globalization;
using Workflow.Docker;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Bench.Containers;

/// <summary>
/// dotnet run --project bench/Workflow.Bench.Containers -c Release [-- --steps 50 --parallel 4]
/// N no-op container steps (busybox `sh -c 'echo {}'`) as one run of the embedded engine, against
/// N `docker run --rm -i` of the same image, command and limits from a shell, sequentially and with
/// the same parallelism on both sides. Needs DOCKER_HOST (build.ps1's Bench task starts dockerd) and
/// workflow-test/busybox:1 (Import-BusyboxImage). Each figure is printed with its baseline: not a timed test.
/// </summary>
public static class Program
{
    private const string Image = "workflow-test/busybox:1";
    private const double Target = 1.2;

    public static async Task<int> Main(string[] args)
    {
        var steps = Option(args, "--steps", 50);
        var parallel = Option(args, "--parallel", Math.Max(2, Environment.ProcessorCount * 2));
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is not { Length: > 0 } host)
        {
            Console.Error.WriteLine("DOCKER_HOST is not set: run the bench through ./build.ps1 -Task Bench, which starts dockerd.");
            return 2;
        }
        var root = Path.Combine(Path.GetTempPath(), "wf-bench-containers-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"Container steps: {steps} no-op steps ({Image}, sh -c 'echo {{}}') on dockerd {DockerVersion()} at {host}, {Environment.ProcessorCount} cores");
            Console.WriteLine($"{"",-22}{"engine",12}{"docker run",12}{"ratio",8}   per step (engine / docker run)");
            var worst = 0.0;
            foreach (var lanes in new[] { 1, parallel })
            {
                var engine = await EngineAsync(root, steps, lanes);
                var shell = Shell(steps, lanes);
                var ratio = engine.TotalSeconds / shell.TotalSeconds;
                worst = Math.Max(worst, ratio);
                var label = lanes == 1 ? "sequential" : $"{lanes} at a time";
                Console.WriteLine($"{label,-22}{engine.TotalSeconds,11:0.00}s{shell.TotalSeconds,11:0.00}s{ratio,7:0.00}x   {engine.TotalMilliseconds / steps:0} ms / {shell.TotalMilliseconds / steps:0} ms");
            }
            Console.WriteLine(worst <= Target
                ? $"Within the {Target:0.0}x target (worst {worst:0.00}x)."
                : $"Over the {Target:0.0}x target (worst {worst:0.00}x).");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>One run of <paramref name="steps"/> independent container steps on an engine with <paramref name="lanes"/> workers, after a warm-up run.</summary>
    private static async Task<TimeSpan> EngineAsync(string root, int steps, int lanes)
    {
        var home = Path.Combine(root, $"home-{lanes}");
        var folder = Path.Combine(root, $"flow-{lanes}");
        Directory.CreateDirectory(folder);
        var yaml = new System.Text.StringBuilder($"name: noops\nversion: 1.0.0\nsteps:\n");
        for (var i = 0; i < steps; i++) yaml.Append($"  - name: s{i}\n    image: {Image}\n    command: [sh, -c, 'echo {{}}']\n");
        File.WriteAllText(Path.Combine(folder, "workflow.yml"), yaml.ToString());
        using var containers = new ContainerExecutor(new ContainerExecutorOptions { ScratchRoot = Path.Combine(root, "scratch") });
        using var engine = WorkflowEngine.Open(EnginePorts.ForHome(home, new IStepExecutor[] { containers, new CommandExecutor() }),
            new EngineOptions { Parallelism = lanes, ResumeInterrupted = false });
        var workflowId = (await engine.Catalog.PublishAsync(folder, force: false)).WorkflowId;
        await RunAsync(engine, workflowId); // warm-up: JIT, the client's connections, the image check
        var clock = Stopwatch.StartNew();
        await RunAsync(engine, workflowId);
        return clock.Elapsed;
    }

    private static async Task RunAsync(WorkflowEngine engine, string workflowId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var run = await engine.WaitAsync(engine.StartRun(workflowId).RunId, timeout.Token);
        if (run.State != RunState.Succeeded) throw new InvalidOperationException($"The bench run ended {run.State}: {run.Error}");
    }

    /// <summary>The same containers from a shell: docker run --rm -i with the engine's defaults (no network, 512 MB, 1024 pids), input on stdin.</summary>
    private static TimeSpan Shell(int steps, int lanes)
    {
        var run = $"echo '{{}}' | docker run --rm -i --network none --memory 512m --memory-swap 512m --pids-limit {ContainerSettings.DefaultPidsLimit} {Image} sh -c 'echo {{}}' > /dev/null";
        var script = lanes == 1
            ? $"for i in $(seq {steps}); do {run} || exit 1; done"
            : $"seq {steps} | xargs -P {lanes} -I % sh -c \"{run.Replace("\"", "\\\"")}\"";
        Sh(run); // warm-up, as the engine's
        var clock = Stopwatch.StartNew();
        Sh(script);
        return clock.Elapsed;
    }

    private static void Sh(string script)
    {
        using var process = Process.Start(new ProcessStartInfo("sh") { ArgumentList = { "-c", script }, UseShellExecute = false })!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"sh -c \"{script}\" exited with code {process.ExitCode}.");
    }

    private static string DockerVersion()
    {
        using var process = Process.Start(new ProcessStartInfo("docker") { ArgumentList = { "version", "--format", "{{.Server.Version}}" }, RedirectStandardOutput = true, UseShellExecute = false })!;
        var version = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return version;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
