using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Workflow.Aws;
using Workflow.Distributed;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;

// Usage: dotnet run -c Release --project bench/Workflow.Bench.Distributed [runs] [workers] [lanes]
// 1,000 runs of a 5-step workflow with a fan-in (a -> b, c, d -> e), steps that do nothing (this
// measures the orchestration, not the steps), through 4 workers on SQS and S3 (fauxqs on loopback);
// baseline: the embedded engine on the same load, in this process, with as many lanes in all.
ThreadPool.SetMinThreads(64, 64);
var runs = args.Length > 0 ? int.Parse(args[0]) : 1000;
var workers = args.Length > 1 ? int.Parse(args[1]) : 4;
var lanes = args.Length > 2 ? int.Parse(args[2]) : 4;
const int StepsPerRun = 5;
var root = Path.Combine(Path.GetTempPath(), "wf-bench-" + Guid.NewGuid().ToString("N")[..8]);
var folder = Path.Combine(root, "flow");
Directory.CreateDirectory(folder);
File.WriteAllText(Path.Combine(folder, "workflow.yml"), """
    name: bench
    version: 1.0.0
    steps:
      - { name: a, run: s.ps1 }
      - { name: b, needs: a, run: s.ps1 }
      - { name: c, needs: a, run: s.ps1 }
      - { name: d, needs: a, run: s.ps1 }
      - { name: e, needs: [b, c, d], run: s.ps1 }
    """);
File.WriteAllText(Path.Combine(folder, "s.ps1"), "");

// Baseline: the embedded engine.
double baselineRate;
using (var engine = WorkflowEngine.Open(EnginePorts.ForHome(Path.Combine(root, "home"), new IStepExecutor[] { new NoOp() }), new EngineOptions { Parallelism = workers * lanes, ResumeInterrupted = false }))
{
    engine.Catalog.PublishAsync(folder, false).GetAwaiter().GetResult();
    var clock = Stopwatch.StartNew();
    var ids = Enumerable.Range(0, runs).Select(_ => engine.StartRun("bench-1.0.0").RunId).ToList();
    foreach (var id in ids) engine.WaitAsync(id, CancellationToken.None).GetAwaiter().GetResult();
    baselineRate = runs * StepsPerRun / clock.Elapsed.TotalSeconds;
    Console.WriteLine($"baseline  embedded engine, {workers * lanes} lanes: {runs * StepsPerRun} steps in {clock.Elapsed.TotalSeconds:0.00} s = {baselineRate:0} steps/s");
}

using var fauxqs = Fauxqs.Start();
if (Environment.GetEnvironmentVariable("BENCH_RAW") == "1")
{
    Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "bench");
    Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "bench");
    using var r = AwsRegion.Open(AwsConnection.Resolve("aws:us-east-1", null, fauxqs.Endpoint), "raw");
    r.EnsureBucketAsync().GetAwaiter().GetResult();
    foreach (var (name, call) in new (string, Func<int, Task>)[]
    {
        ("PUT", i => r.Blobs.PutAsync($"k{i}", new byte[100])),
        ("GET hit", i => r.Blobs.GetAsync($"k{i}")),
        ("GET miss", i => r.Blobs.GetAsync($"missing{i}")),
        ("PUT if absent (lost)", i => r.Blobs.PutIfAbsentAsync($"k{i}", new byte[100])),
        ("LIST", i => r.Blobs.ListAsync($"k{i}")),
    })
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < 3000; i++) call(i % 500).GetAwaiter().GetResult();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"{name,-22} {clock.Elapsed.TotalMilliseconds / 3000:0.00} ms wall, {used.TotalMilliseconds / 3000:0.00} ms CPU per request");
    }
    return 0;
}
Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "bench");
Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "bench");
Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
AwsRegion Region() => AwsRegion.Open(AwsConnection.Resolve("aws:us-east-1", null, fauxqs.Endpoint), "bench");
var (definition, source, hash) = WorkflowCatalog.Read(folder);
using var publisher = Region();
publisher.DeployAsync(definition, source, hash, 3).GetAwaiter().GetResult();

var waited = new ConcurrentBag<double>();
var finished = 0;
var done = new ManualResetEventSlim();
using var stop = new CancellationTokenSource();
var regions = Enumerable.Range(0, workers).Select(_ => Region()).ToList();
foreach (var region in regions) region.Queue.Prefetch = lanes; // as Start-WorkflowWorker sets it
var threads = regions.Select((region, i) =>
{
    var worker = new RemoteWorker(region.Coordinator(Path.Combine(root, "cache-" + i), "bench-" + i), region.Queue, new IStepExecutor[] { new NoOp() },
        new RemoteWorkerOptions { Region = "aws:us-east-1", Concurrency = lanes, WorkFolder = root });
    var thread = new Thread(() => worker.Run(e =>
    {
        if (e.Handled == null) return;
        waited.Add(e.Waited.TotalMilliseconds);
        if (e.Task!.Step == "e" && Interlocked.Increment(ref finished) == runs) done.Set();
    }, stop.Token));
    thread.Start();
    return thread;
}).ToList();
Thread.Sleep(500); // workers polling

var starter = publisher.Coordinator(Path.Combine(root, "cache-starter"), "starter");
var workflow = new PackageCache(publisher.Blobs, Path.Combine(root, "cache-starter")).LoadAsync("bench-1.0.0", hash).GetAwaiter().GetResult();
var sw = Stopwatch.StartNew();
Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
    starter.StartAsync(workflow, $"run{i:D5}", "null", "aws:us-east-1").GetAwaiter().GetResult());
var startSeconds = sw.Elapsed.TotalSeconds;
if (!done.Wait(TimeSpan.FromMinutes(10))) throw new TimeoutException($"only {finished} of {runs} runs finished");
var seconds = sw.Elapsed.TotalSeconds;
var rate = runs * StepsPerRun / seconds;

// Latency under a load the workers keep up with (half the throughput just measured): a burst
// measures the queue's backlog, not the time a ready step waits for a free worker.
var burst = waited.OrderBy(w => w).ToList();
var burstS3 = regions.Sum(r => r.Blobs.Requests) + publisher.Blobs.Requests;
var burstSqs = regions.Sum(r => r.Queue.Requests) + publisher.Queue.Requests;
waited.Clear();
var paced = Math.Max(50, runs / 5);
finished = 0;
done.Reset();
var interval = TimeSpan.FromSeconds(StepsPerRun / (rate / 2));
var pacer = Stopwatch.StartNew();
for (var i = 0; i < paced; i++)
{
    var due = TimeSpan.FromTicks(interval.Ticks * i) - pacer.Elapsed;
    if (due > TimeSpan.Zero) Thread.Sleep(due);
    starter.StartAsync(workflow, $"paced{i:D5}", "null", "aws:us-east-1").GetAwaiter().GetResult();
}
runs = paced;
if (!done.Wait(TimeSpan.FromMinutes(10))) throw new TimeoutException($"only {finished} of {paced} paced runs finished");
stop.Cancel();
foreach (var thread in threads) thread.Join();

var sorted = waited.OrderBy(w => w).ToList();
double Percentile(List<double> values, double p) => values[Math.Min(values.Count - 1, (int)(p * values.Count))];
var s3 = regions.Sum(r => r.Blobs.Requests) + publisher.Blobs.Requests;
var sqs = regions.Sum(r => r.Queue.Requests) + publisher.Queue.Requests;
var tasks = (args.Length > 0 ? int.Parse(args[0]) : 1000) * StepsPerRun + paced * StepsPerRun;
var burstTasks = tasks - paced * StepsPerRun;
Console.WriteLine($"SQS+S3    {workers} workers x {lanes} lanes: {burstTasks} steps in {seconds:0.00} s = {rate:0} steps/s (runs started in {startSeconds:0.00} s)");
Console.WriteLine($"ratio     distributed / embedded steps per second: {rate / baselineRate:0.000}");
Console.WriteLine($"latency   step ready -> started, {paced} runs paced at half that rate: p50 {Percentile(sorted, 0.50):0.0} ms, p99 {Percentile(sorted, 0.99):0.0} ms (n = {sorted.Count})");
Console.WriteLine($"          in the burst above (backlog included): p50 {Percentile(burst, 0.50):0} ms, p99 {Percentile(burst, 0.99):0} ms");
Console.WriteLine($"requests  per step in the burst: {(double)burstSqs / burstTasks:0.00} SQS + {(double)burstS3 / burstTasks:0.00} S3 (publishing included); over both phases, idle long polls included: {(double)sqs / tasks:0.00} SQS + {(double)s3 / tasks:0.00} S3");
foreach (var region in regions) region.Dispose();
Directory.Delete(root, recursive: true);
return 0;

/// <summary>A step that does nothing: what is measured is everything around it.</summary>
internal sealed class NoOp : IStepExecutor
{
    public StepKind Kind => StepKind.Script;

    public Task<string> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken) => Task.FromResult("{}");
}

/// <summary>fauxqs on a free loopback port, from tools/fauxqs (npm ci there first).</summary>
internal sealed class Fauxqs : IDisposable
{
    private readonly Process process;

    private Fauxqs(Process process, string endpoint)
    {
        this.process = process;
        Endpoint = endpoint;
    }

    public string Endpoint { get; }

    public static Fauxqs Start()
    {
        var folder = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../tools/fauxqs"));
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "fauxqs")))
            throw new InvalidOperationException($"fauxqs is not installed: run 'npm ci --prefix {folder}'.");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var info = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("server.mjs");
        info.ArgumentList.Add(port.ToString());
        var process = Process.Start(info)!;
        var line = process.StandardOutput.ReadLine();
        if (line == null || !line.Contains("listening")) throw new InvalidOperationException("fauxqs did not start: " + line);
        return new Fauxqs(process, $"http://127.0.0.1:{port}");
    }

    public void Dispose()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }
}
