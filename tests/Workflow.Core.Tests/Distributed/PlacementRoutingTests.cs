using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Distributed;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;
using Workflow.Tests.Engine;

namespace Workflow.Tests.Distributed;

/// <summary>
/// Applying a placement (Move-WorkflowDeployment) and what it does to new runs: each step's tasks go
/// to its planned region's queue for the hour the run started, where that region's workers run it.
/// Regions are local parts (<see cref="FolderRegions"/>); Pester runs the same on fauxqs.
/// </summary>
public sealed class PlacementRoutingTests : IDisposable
{
    private const string Home = "gcp:home";
    private const string Away = "gcp:away";
    private const string Chain = """
        name: placed
        version: 1.0.0
        home_region: gcp:home
        steps:
          - name: first
            run: s.ps1
          - name: second
            needs: first
            run: s.ps1
          - name: third
            needs: second
            run: s.ps1
            regions: [gcp:home]
        """;

    private readonly EngineHome home = new();
    private readonly FolderRegions regions;
    private readonly List<(RegionWorker Worker, Task Running, CancellationTokenSource Stop)> workers = new();

    public PlacementRoutingTests() => regions = new FolderRegions(Path.Combine(home.Root, "region"));

    public void Dispose()
    {
        foreach (var (worker, running, stop) in workers)
        {
            stop.Cancel();
            running.Wait(TimeSpan.FromSeconds(10));
            worker.Dispose();
        }
        home.Dispose();
    }

    private async Task<(WorkflowEngine Engine, ScriptedExecutor Executor, string WorkflowId)> PublishedAsync()
    {
        var executor = new ScriptedExecutor();
        var engine = WorkflowEngine.Open(EnginePorts.ForHome(home.Home, new IStepExecutor[] { executor }) with { Regions = regions }, EngineHome.Options);
        home.Track(engine);
        var folder = home.WriteWorkflow(Chain);
        var info = await engine.Catalog.PublishAsync(folder, force: false);
        var (definition, read, hash) = WorkflowCatalog.Read(folder);
        await engine.Regions.DeployAsync(definition, read, hash, Home, RegionAccess.Default, 3, CancellationToken.None);
        return (engine, executor, info.WorkflowId);
    }

    private async Task StartWorkerAsync(WorkflowEngine engine, ScriptedExecutor executor, string region)
    {
        // As Start-WorkflowWorker -Region <away> -Bucket <home's>: a placed workflow's regions work from its home bucket.
        var worker = await engine.Regions.OpenWorkerAsync(region, new RegionAccess(Bucket: engine.Regions.Deployment("placed-1.0.0", Home).Bucket), null, new[] { executor },
            new RemoteWorkerOptions { Concurrency = 2, WorkFolder = Path.Combine(home.Root, "work-" + region.Replace(':', '-')) }, CancellationToken.None);
        var stop = new CancellationTokenSource();
        workers.Add((worker, Task.Run(() => worker.Worker.Run(null, stop.Token)), stop));
        // The worker says it is here in the bucket as it starts; give that write a moment.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await WorkerPresence.LiveAsync(BucketOf(worker), region, "placed-1.0.0", DateTimeOffset.UtcNow, CancellationToken.None)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    private Workflow.Blobs.IBlobStore BucketOf(RegionWorker worker) => regions.Connect(worker.Region, worker.Bucket, RegionAccess.Default).Blobs;

    private static IReadOnlyList<DeploymentPlan> EveryHour(string workflowId, Func<int, IReadOnlyDictionary<string, string>> placement) =>
        Enumerable.Range(0, 24).Select(h => new DeploymentPlan { WorkflowId = workflowId, Hour = h, HomeRegion = Home, Placement = placement(h) }).ToList();

    [Fact]
    public async Task A_placed_run_runs_each_step_in_its_planned_region_and_the_store_records_where()
    {
        var (engine, executor, workflowId) = await PublishedAsync();
        await StartWorkerAsync(engine, executor, Home);
        await StartWorkerAsync(engine, executor, Away);
        var moved = await engine.Migrator.MoveAsync(workflowId, EveryHour(workflowId, _ => new Dictionary<string, string> { ["second"] = Away }),
            RegionAccess.Default, force: false, null, CancellationToken.None);
        Assert.Equal(new[] { Home, Away }, moved.Placement.Regions);
        Assert.Empty(moved.RegionsWithoutWorker);
        Assert.Single(moved.Deployed);

        var run = await engine.StartRunAsync(workflowId, "null", null, null, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var done = await engine.WaitAsync(run.RunId, timeout.Token);

        Assert.Equal(RunState.Succeeded, done.State);
        Assert.Equal(Home, (string?)executor.Of("first").Single().Context["region"]);
        Assert.Equal(Away, (string?)executor.Of("second").Single().Context["region"]);
        Assert.Equal(Home, (string?)executor.Of("third").Single().Context["region"]);
        Assert.Equal(new[] { Home, Away, Home }, done.Steps.Select(s => s.Region));
        Assert.Equal(moved.Placement.ToString(), engine.Catalog.Get(workflowId).Placement!.ToString());
    }

    [Fact]
    public async Task The_plan_of_the_hour_the_run_started_decides_where_its_steps_run()
    {
        var (engine, executor, workflowId) = await PublishedAsync();
        await StartWorkerAsync(engine, executor, Home);
        await StartWorkerAsync(engine, executor, Away);
        // This hour and the next (a run started at :59 starts in one of them): 'first' at home; every other hour away.
        var now = DateTimeOffset.UtcNow.Hour;
        await engine.Migrator.MoveAsync(workflowId, EveryHour(workflowId, h => new Dictionary<string, string>
        {
            ["first"] = h == now || h == (now + 1) % 24 ? Home : Away,
            ["second"] = h == now || h == (now + 1) % 24 ? Away : Home,
        }), RegionAccess.Default, force: false, null, CancellationToken.None);

        var run = await engine.StartRunAsync(workflowId, "null", null, null, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var done = await engine.WaitAsync(run.RunId, timeout.Token);

        Assert.Equal(RunState.Succeeded, done.State);
        Assert.Equal(new[] { Home, Away, Home }, done.Steps.Select(s => s.Region));
    }

    [Fact]
    public async Task Moving_to_a_region_no_worker_polls_is_refused_and_records_nothing_unless_forced()
    {
        var (engine, executor, workflowId) = await PublishedAsync();
        await StartWorkerAsync(engine, executor, Home);
        var plans = EveryHour(workflowId, _ => new Dictionary<string, string> { ["first"] = Away });

        var refused = await Assert.ThrowsAsync<WorkflowException>(() => engine.Migrator.MoveAsync(workflowId, plans, RegionAccess.Default, force: false, null, CancellationToken.None));
        Assert.Same(WorkflowErrors.PlacementRegionHasNoWorker, refused.Error);
        Assert.Contains(Away, refused.Message);
        Assert.Null(engine.Catalog.Get(workflowId).Placement);

        var forced = await engine.Migrator.MoveAsync(workflowId, plans, RegionAccess.Default, force: true, null, CancellationToken.None);
        Assert.Equal(new[] { Away }, forced.RegionsWithoutWorker);
        Assert.NotNull(engine.Catalog.Get(workflowId).Placement);
    }

    [Fact]
    public async Task A_plan_that_moves_a_pinned_step_or_names_an_unknown_step_is_PlacementPlanInvalid()
    {
        var (engine, _, workflowId) = await PublishedAsync();

        var pinned = Assert.Throws<WorkflowException>(() => engine.Migrator.Plan(workflowId, EveryHour(workflowId, _ => new Dictionary<string, string> { ["third"] = Away })));
        var unknown = Assert.Throws<WorkflowException>(() => engine.Migrator.Plan(workflowId, EveryHour(workflowId, _ => new Dictionary<string, string> { ["fourth"] = Away })));
        var twice = Assert.Throws<WorkflowException>(() => engine.Migrator.Plan(workflowId, EveryHour(workflowId, _ => new Dictionary<string, string>()).Concat(EveryHour(workflowId, _ => new Dictionary<string, string>())).ToList()));

        Assert.All(new[] { pinned, unknown, twice }, e => Assert.Same(WorkflowErrors.PlacementPlanInvalid, e.Error));
        Assert.Contains("pinned to gcp:home", pinned.Message);
        Assert.Contains("'fourth'", unknown.Message);
        Assert.Contains("hour 0", twice.Message);
    }
}
