using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Distributed;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Store;
using Workflow.Tests.Engine;

namespace Workflow.Tests.Distributed;

/// <summary>
/// Runs in a region through the engine's one interface (start, wait, stop, sync), with a region
/// made of local parts: a folder for its bucket and the in-process queue. The AWS provider is the
/// same port on S3 and SQS (the Pester tests run it on fauxqs).
/// </summary>
public sealed class RegionRunTests : IDisposable
{
    private const string Chain = """
        name: chain
        version: 1.0.0
        steps:
          - name: first
            run: s.ps1
          - name: second
            needs: first
            run: s.ps1
        """;

    private readonly EngineHome home = new();
    private readonly FolderRegions regions;

    public RegionRunTests()
    {
        regions = new FolderRegions(Path.Combine(home.Root, "region"));
    }

    public void Dispose() => home.Dispose();

    private WorkflowEngine Open(IStepExecutor executor)
    {
        var ports = EnginePorts.ForHome(home.Home, new IStepExecutor[] { executor }) with { Regions = regions };
        var engine = WorkflowEngine.Open(ports, EngineHome.Options);
        home.Track(engine);
        return engine;
    }

    private async Task<string> DeployAsync(WorkflowEngine engine, string yaml)
    {
        var folder = home.WriteWorkflow(yaml);
        var info = await engine.Catalog.PublishAsync(folder, force: false);
        var (definition, read, hash) = WorkflowCatalog.Read(folder);
        await engine.Regions.DeployAsync(definition, read, hash, "gcp:test-one", RegionAccess.Default, 3, CancellationToken.None);
        return info.WorkflowId;
    }

    private async Task<RegionWorker> WorkerAsync(WorkflowEngine engine, IStepExecutor executor) =>
        await engine.Regions.OpenWorkerAsync("gcp:test-one", RegionAccess.Default, null, new[] { executor },
            new RemoteWorkerOptions { Concurrency = 2, WorkFolder = Path.Combine(home.Root, "work") }, CancellationToken.None);

    [Fact]
    public async Task A_run_started_in_a_region_is_recorded_as_the_regions_and_waiting_syncs_it_Succeeded()
    {
        var executor = new ScriptedExecutor();
        var engine = Open(executor);
        var workflowId = await DeployAsync(engine, Chain);
        using var worker = await WorkerAsync(engine, executor);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => worker.Worker.Run(null, stop.Token));

        var run = await engine.StartRunAsync(workflowId, """{"n":1}""", "gcp:test-one", null, CancellationToken.None);
        Assert.Equal("gcp:test-one", run.Owner);
        Assert.Equal("gcp:test-one", engine.WhereOf(run));
        var seen = new List<RunProgress>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var done = await engine.WaitAsync(run.RunId, timeout.Token, new SynchronousProgress(seen.Add));
        stop.Cancel();
        await running;

        Assert.Equal(RunState.Succeeded, done.State);
        Assert.All(done.Steps, s => Assert.Equal(StepState.Succeeded, s.State));
        Assert.Single(executor.Of("first"));
        Assert.Single(executor.Of("second"));
        Assert.Equal(RunState.Succeeded, engine.GetRun(run.RunId).State); // synced into the store
    }

    [Fact]
    public async Task Getting_a_region_run_syncs_what_its_workers_wrote_and_its_log_and_output_come_with_it()
    {
        var executor = new ScriptedExecutor().Returns("second", """{"answer":42}""");
        var engine = Open(executor);
        var workflowId = await DeployAsync(engine, Chain);
        var run = await engine.StartRunAsync(workflowId, "null", "gcp:test-one", null, CancellationToken.None);
        using (var worker = await WorkerAsync(engine, executor))
        {
            using var stop = new CancellationTokenSource();
            var running = Task.Run(() => worker.Worker.Run(null, stop.Token));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (executor.Of("second").Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
            await Task.Delay(200); // the result and the run's end are written after the attempt
            stop.Cancel();
            await running;
        }
        Assert.Equal(RunState.Queued, engine.GetRun(run.RunId).State); // the store has not been told

        var current = await engine.GetRunAsync(run.RunId, CancellationToken.None);

        Assert.Equal(RunState.Succeeded, current.State);
        Assert.Equal(42, (await engine.ReceiveAsync(run.RunId))!["answer"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_run_whose_region_cannot_take_its_first_steps_ends_Failed_here_with_the_regions_explanation()
    {
        var engine = Open(new ScriptedExecutor());
        var workflowId = await DeployAsync(engine, Chain);
        regions.QueueFails = true;

        var error = await Assert.ThrowsAsync<WorkflowException>(() => engine.StartRunAsync(workflowId, "null", "gcp:test-one", null, CancellationToken.None));

        Assert.Equal("WorkflowRegionCallFailed", error.ErrorId);
        Assert.Contains("start run", error.Message);
        var run = Assert.Single(engine.GetRuns(workflowId));
        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(error.Message, run.Error);
    }

    [Fact]
    public async Task Stopping_a_region_run_no_worker_takes_returns_it_still_going_after_the_grace_period_then_a_worker_cancels_it()
    {
        var executor = new ScriptedExecutor();
        var engine = Open(executor);
        var workflowId = await DeployAsync(engine, Chain);
        var run = await engine.StartRunAsync(workflowId, "null", "gcp:test-one", null, CancellationToken.None);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stopped = await engine.StopAsync(run.RunId, CancellationToken.None, grace: TimeSpan.FromMilliseconds(500));
        clock.Stop();

        Assert.False(stopped.State.IsFinal());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(450), $"returned after {clock.ElapsedMilliseconds} ms");
        Assert.Contains("marked stopped in gcp:test-one", RunErrors.StopPending(stopped, TimeSpan.FromMilliseconds(500)));

        using var worker = await WorkerAsync(engine, executor);
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => worker.Worker.Run(null, stop.Token));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ended = await engine.WaitAsync(run.RunId, timeout.Token);
        stop.Cancel();
        await running;

        Assert.Equal(RunState.Cancelled, ended.State);
        Assert.Empty(executor.Of("first"));
        Assert.Empty(executor.Of("second"));
    }

    [Fact]
    public async Task A_new_run_goes_to_the_home_region_when_deployed_there_and_local_otherwise()
    {
        var engine = Open(new ScriptedExecutor());
        var local = await home.PublishAsync(engine, Chain.Replace("name: chain", "name: plain"));
        var homed = await DeployAsync(engine, Chain.Replace("steps:", "home_region: gcp:test-one\nsteps:"));

        Assert.Equal("local", engine.PlaceRun(local, null));
        Assert.Equal("gcp:test-one", engine.PlaceRun(homed, null));
        Assert.Equal("local", engine.PlaceRun(homed, "local"));
        var error = Assert.Throws<WorkflowException>(() => engine.PlaceRun(local, "azure:two"));
        Assert.Equal("WorkflowRegionUnsupported", error.ErrorId);
    }

    [Fact]
    public async Task An_engine_without_regions_refuses_a_region_by_name()
    {
        var engine = home.Open(new ScriptedExecutor());
        var id = await home.PublishAsync(engine, Chain);

        var error = Assert.Throws<WorkflowException>(() => engine.PlaceRun(id, "aws:us-east-1"));

        Assert.Equal("WorkflowRegionUnsupported", error.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, error.Kind);
    }

    /// <summary>Reports at once on the caller's thread (Progress&lt;T&gt; posts to the pool, out of order).</summary>
    private sealed class SynchronousProgress : IProgress<RunProgress>
    {
        private readonly Action<RunProgress> report;

        public SynchronousProgress(Action<RunProgress> report) => this.report = report;

        public void Report(RunProgress value) => report(value);
    }

    /// <summary>Regions named gcp:&lt;name&gt; (any provider the format knows will do), each a folder for its bucket and one in-process queue.</summary>
}
