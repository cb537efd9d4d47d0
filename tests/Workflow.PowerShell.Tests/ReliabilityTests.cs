using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit.Abstractions;

namespace Workflow.PowerShell.Tests;

/// <summary>
/// Many runs through SQS and S3 with workers in separate processes, some killed with SIGKILL, and
/// the endpoint taken away mid-run. Prints its figures; machines here are shared, so nothing is timed.
/// </summary>
public sealed class ReliabilityTests : IDisposable
{
    private readonly ITestOutputHelper output;
    private readonly Fauxqs aws = new();

    public ReliabilityTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => aws.Dispose();

    [Fact]
    public void Two_hundred_runs_survive_two_of_four_worker_processes_killed_at_random_moments()
    {
        const int Runs = 200;
        using var session = new Session();
        var joinLog = Path.Combine(session.Home, "joins");
        Directory.CreateDirectory(joinLog);
        Environment.SetEnvironmentVariable("JOIN_LOG", joinLog);
        var workers = new List<Worker>();
        try
        {
            var folder = session.Workflow("fan", AwsTests.Yaml, AwsTests.Scripts);
            var bucket = "wf-rel-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {bucket} | Out-Null");
            var clock = Stopwatch.StartNew();
            workers.AddRange(Enumerable.Range(0, 4).Select(i => Worker.Start(session.Home, i, bucket)));
            session.Run($"1..{Runs} | ForEach-Object {{ Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1 }} | Out-Null");
            Assert.Empty(session.Errors);

            var seed = Environment.TickCount;
            var random = new Random(seed);
            var killedPids = new List<int>();
            foreach (var victim in workers.Take(2))
            {
                Thread.Sleep(random.Next(500, 3000));
                killedPids.Add(victim.Process.Id);
                victim.Process.Kill(); // SIGKILL: no cleanup in the worker, its leased tasks come back when their lease ends
                victim.Process.WaitForExit();
                output.WriteLine($"killed worker {victim.Index} (pid {victim.Process.Id}) at {clock.Elapsed.TotalSeconds:0.0} s (seed {seed})");
            }

            var succeeded = WaitForRuns(session, Runs, TimeSpan.FromMinutes(4));
            var elapsed = clock.Elapsed;
            var joins = Directory.EnumerateFiles(joinLog).Select(f => Path.GetFileName(f).Split(' ')).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Select(p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)).ToList());
            var repeated = joins.Where(p => p.Value.Count > 1).ToList();
            output.WriteLine($"{succeeded} of {Runs} runs Succeeded in {elapsed.TotalSeconds:0.0} s ({Runs * 7 / elapsed.TotalSeconds:0} tasks/s with two workers killed)");
            output.WriteLine($"fan-in executions: {joins.Values.Sum(v => v.Count)} for {joins.Count} runs; repeated in {repeated.Count} run(s), each by a killed worker first");

            Assert.Equal(Runs, succeeded);
            Assert.Equal(Runs, joins.Count);
            // A fan-in step is enqueued once. It runs twice only when the worker running it was
            // killed before it could record the result (at-least-once), never because two needs raced.
            foreach (var (run, pids) in repeated)
            {
                Assert.True(pids.Take(pids.Count - 1).All(killedPids.Contains), $"run {run}: join ran in {string.Join(", ", pids)}; killed: {string.Join(", ", killedPids)}");
            }
            foreach (var survivor in workers.Skip(2)) survivor.Stop();
            WaitFor(() => aws.Queue("workflow-fan-1_0_0") == (0, 0), TimeSpan.FromSeconds(30));
            Assert.Equal((0, 0), aws.Queue("workflow-fan-1_0_0"));
            Assert.Equal((0, 0), aws.Queue("workflow-fan-1_0_0-dlq"));
        }
        finally
        {
            foreach (var worker in workers) worker.Stop();
            Environment.SetEnvironmentVariable("JOIN_LOG", null);
            foreach (var worker in workers) output.WriteLine($"worker {worker.Index}: {worker.Tail()}");
        }
    }

    [Fact]
    public void Workers_ride_out_the_endpoint_going_away_mid_run_and_nothing_is_marked_done_that_was_not()
    {
        const int Runs = 20;
        using var session = new Session();
        var workers = new List<Worker>();
        try
        {
            var folder = session.Workflow("fan", AwsTests.Yaml, AwsTests.Scripts);
            var bucket = "wf-out-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {bucket} | Out-Null");
            workers.AddRange(Enumerable.Range(0, 2).Select(i => Worker.Start(session.Home, i, bucket)));
            session.Run($"1..{Runs} | ForEach-Object {{ Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1 }} | Out-Null");

            // Mid-run: once both workers are taking tasks.
            WaitFor(() => workers.All(w => w.Lines.Any(l => l.Contains("tasks handled", StringComparison.Ordinal))), TimeSpan.FromSeconds(60));
            aws.Down();
            Thread.Sleep(4000);
            aws.Up();

            var succeeded = WaitForRuns(session, Runs, TimeSpan.FromMinutes(3));
            var failedSteps = session.Run("Get-WorkflowRun -WorkflowId fan-1.0.0 | ForEach-Object { $_.Steps } | Where-Object State -ne 'Succeeded' | ForEach-Object Step").Count;
            var retried = workers.Sum(w => w.Lines.Count(l => l.Contains("Retrying in", StringComparison.Ordinal) || l.Contains("delivered again", StringComparison.Ordinal)));
            output.WriteLine($"{succeeded} of {Runs} runs Succeeded after a 4 s outage; {retried} backend errors retried by the workers");

            Assert.Equal(Runs, succeeded);
            Assert.Equal(0, failedSteps);
            Assert.True(retried > 0, "the workers saw no outage: the test did not take the endpoint away");
        }
        finally
        {
            foreach (var worker in workers) worker.Stop();
        }
    }

    /// <summary>Syncs until every run of the workflow has ended; the number that Succeeded.</summary>
    private static int WaitForRuns(Session session, int runs, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            session.Run("Sync-WorkflowLog fan-1.0.0 | Out-Null");
            var states = session.Run("Get-WorkflowRun -WorkflowId fan-1.0.0 | ForEach-Object { \"$($_.State)\" }").Select(o => o.ToString()).ToList();
            var ended = states.Count(s => s is "Succeeded" or "Failed" or "Cancelled");
            if (ended == runs || DateTime.UtcNow > deadline) return states.Count(s => s == "Succeeded");
            Thread.Sleep(1000);
        }
    }

    private static void WaitFor(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition() && DateTime.UtcNow < deadline) Thread.Sleep(250);
    }

    /// <summary>A worker process: the PowerShell host running Start-WorkflowWorker, with its own home (another machine).</summary>
    private sealed class Worker
    {
        private Worker(int index, Process process)
        {
            Index = index;
            Process = process;
        }

        public int Index { get; }
        public Process Process { get; }
        public ConcurrentQueue<string> Lines { get; } = new();

        public static Worker Start(string home, int index, string bucket)
        {
            var workerHome = Path.Combine(home, "worker-" + index);
            Directory.CreateDirectory(workerHome);
            var script = Path.Combine(workerHome, "worker.ps1");
            File.WriteAllText(script, $"Start-WorkflowWorker -Region aws:us-east-1 -Bucket {bucket} -Concurrency 2 -LeaseSeconds 5\n");
            var process = Processes.StartHost(script, workerHome);
            var worker = new Worker(index, process);
            process.OutputDataReceived += (_, e) => { if (e.Data != null) worker.Lines.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) worker.Lines.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return worker;
        }

        public void Stop()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
                Process.WaitForExit();
            }
        }

        public string Tail() => string.Join(" | ", Lines.Reverse().Take(3).Reverse());
    }
}
