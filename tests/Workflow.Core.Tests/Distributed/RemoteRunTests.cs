using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Distributed;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Tests.Engine;

namespace Workflow.Tests.Distributed;

/// <summary>
/// Remote runs through the ports' local implementations (a folder for the bucket, the in-process
/// queue): the coordinator's rules without a network. The same code runs on S3 and SQS.
/// </summary>
public sealed class RemoteRunTests : IDisposable
{
    private const string Diamond = """
        name: diamond
        version: 1.0.0
        steps:
          - name: split
            run: s.ps1
          - name: resize
            needs: split
            foreach: steps.split.output.images
            run: s.ps1
          - name: left
            needs: split
            run: s.ps1
          - name: join
            needs: [resize, left]
            run: s.ps1
          - name: tail
            needs: join
            run: s.ps1
        """;

    private readonly EngineHome home = new();
    private readonly FolderBlobStore bucket;
    private readonly InProcessTaskQueue queue = new();

    public RemoteRunTests()
    {
        bucket = new FolderBlobStore(Path.Combine(home.Root, "bucket"));
    }

    public void Dispose() => home.Dispose();

    private RemoteRunCoordinator Coordinator(string name) =>
        new(bucket, _ => queue, new PackageCache(bucket, Path.Combine(home.Root, "cache-" + name)), name);

    private async Task<PublishedWorkflow> PublishAsync(string yaml)
    {
        var (definition, folder, hash) = WorkflowCatalog.Read(home.WriteWorkflow(yaml));
        await WorkflowCatalog.UploadPackageAsync(bucket, folder, definition.WorkflowId, hash);
        return await new PackageCache(bucket, Path.Combine(home.Root, "cache-publisher")).LoadAsync(definition.WorkflowId, hash);
    }

    private async Task<RemoteRunEnd> EndAsync(RemoteRunCoordinator coordinator, string workflowId, string runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await coordinator.GetEndAsync(workflowId, runId) is { } end) return end;
            await Task.Delay(20);
        }
        throw new TimeoutException($"Run {runId} did not end in 30 s. The bucket holds: " + string.Join(", ", await bucket.ListAsync($"runs/{workflowId}/{runId}/")));
    }

    private static ScriptedExecutor Images(int count) =>
        new ScriptedExecutor()
            .Returns("split", new JsonObject { ["images"] = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode)i).ToArray()) }.ToJsonString())
            .On("resize", (invocation, _) => Task.FromResult(new JsonObject { ["item"] = JsonNode.Parse(invocation.InputJson)!["item"]!.DeepClone() }.ToJsonString()));

    [Fact]
    public async Task A_run_fans_out_and_in_through_the_ports_and_ends_Succeeded()
    {
        var workflow = await PublishAsync(Diamond);
        var executor = Images(5);
        var coordinator = Coordinator("a");
        using var stop = new CancellationTokenSource();
        var worker = new RemoteWorker(coordinator, queue, new IStepExecutor[] { executor }, new RemoteWorkerOptions { Concurrency = 3, WorkFolder = home.Root });
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var running = Task.Run(() => worker.Run(e => { if (e.Warning != null) warnings.Enqueue(e.Warning); }, stop.Token));

        await coordinator.StartAsync(workflow, "r1", """{"n":1}""", "local");
        var end = await EndAsync(coordinator, "diamond-1.0.0", "r1");
        stop.Cancel();
        var info = await running;
        Assert.Empty(warnings);

        Assert.Equal(RunState.Succeeded, end.State);
        Assert.Single(executor.Of("join"));
        Assert.Equal(5, executor.Of("resize").Count);
        var joinInput = executor.Of("join")[0].Input;
        Assert.Equal("[{\"item\":0},{\"item\":1},{\"item\":2},{\"item\":3},{\"item\":4}]", joinInput["steps"]!["resize"]!.ToJsonString());
        Assert.Equal(1, joinInput["input"]!["n"]!.GetValue<int>());
        Assert.Equal(9, info.Succeeded); // split, 5 items, left, join, tail
        Assert.Equal("Stopped", info.StopReason);
    }

    [Fact]
    public async Task Sync_copies_a_remote_run_into_the_store_and_a_second_sync_fetches_nothing()
    {
        var workflow = await PublishAsync(Diamond);
        var executor = Images(3).On("left", (invocation, _) => { invocation.Log.Write("Verbose", "left says hi"); return Task.FromResult("7"); });
        var coordinator = Coordinator("a");
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => new RemoteWorker(coordinator, queue, new IStepExecutor[] { executor }, new RemoteWorkerOptions { Concurrency = 2, WorkFolder = home.Root }).Run(null, stop.Token));
        await coordinator.StartAsync(workflow, "r1", "null", "aws:us-east-1");
        await EndAsync(coordinator, "diamond-1.0.0", "r1");
        stop.Cancel();
        await running;
        using var store = Workflow.Store.SqliteRunStore.Open(Path.Combine(home.Root, "local.db"));
        var sync = new RemoteRunSync(bucket, store, new PackageCache(bucket, Path.Combine(home.Root, "cache-sync")));

        var first = await sync.SyncAsync("diamond-1.0.0", "aws:us-east-1");
        var second = await sync.SyncAsync("diamond-1.0.0", "aws:us-east-1");

        var run = store.GetRun("r1")!;
        Assert.Equal(RunState.Succeeded, run.State);
        Assert.All(run.Steps, s => Assert.Equal(StepState.Succeeded, s.State));
        Assert.Contains(store.GetLogs("r1", "left"), l => l.Message == "left says hi");
        Assert.Equal(3, store.GetItemRecords("r1", "resize").Count);
        Assert.Equal(11, first.ObjectsFetched); // run, end, 5 steps, 3 items, and the one step that logged
        Assert.Equal(1, first.RunsUpdated);
        Assert.Equal(0, second.ObjectsFetched);
        Assert.Equal(0, second.RunsUpdated);
    }

    [Fact]
    public async Task A_fan_in_step_starts_once_when_its_needs_end_together_on_different_workers()
    {
        var workflow = await PublishAsync(Diamond);
        // Both needs of join end at the same moment on two "machines": a barrier holds them until both are done.
        var executor = Images(1);
        using var barrier = new Barrier(2);
        executor.On("left", (_, _) => { barrier.SignalAndWait(TimeSpan.FromSeconds(10)); return Task.FromResult("1"); });
        executor.On("resize", (_, _) => { barrier.SignalAndWait(TimeSpan.FromSeconds(10)); return Task.FromResult("2"); });
        var machines = new[] { Coordinator("m1"), Coordinator("m2") };
        using var stop = new CancellationTokenSource();
        var workers = machines.Select(m => Task.Run(() =>
            new RemoteWorker(m, queue, new IStepExecutor[] { executor }, new RemoteWorkerOptions { Concurrency = 1, WorkFolder = home.Root }).Run(null, stop.Token))).ToList();

        for (var i = 0; i < 10; i++)
        {
            await machines[0].StartAsync(workflow, $"r{i}", "null", "local");
            Assert.Equal(RunState.Succeeded, (await EndAsync(machines[0], "diamond-1.0.0", $"r{i}")).State);
        }
        stop.Cancel();
        await Task.WhenAll(workers);

        Assert.Equal(10, executor.Of("join").Count);
        Assert.Equal(10, executor.Of("tail").Count);
    }

    [Fact]
    public async Task A_redelivered_task_whose_result_exists_does_not_run_again()
    {
        var workflow = await PublishAsync(Diamond);
        var executor = Images(2);
        var coordinator = Coordinator("a");
        await coordinator.StartAsync(workflow, "r1", "null", "local");
        var leased = (await queue.LeaseAsync(TimeSpan.FromMinutes(1)))!;
        var attempts = new AttemptRunner(new Dictionary<StepKind, IStepExecutor> { [StepKind.Script] = executor }, _ => home.Root);

        var first = await coordinator.HandleAsync(leased.Task, attempts, CancellationToken.None, redelivered: false);
        // The worker died before deleting the message: another worker (no cache) gets it again.
        var second = await Coordinator("b").HandleAsync(leased.Task, attempts, CancellationToken.None, redelivered: true);

        Assert.Equal(TaskDisposition.Ran, first.Disposition);
        Assert.Equal(TaskDisposition.AlreadyDone, second.Disposition);
        Assert.Single(executor.Of("split"));
        // Its successors were enqueued by the first delivery; the second re-enqueues only what its own claim allows.
        var successors = new List<string>();
        using var drain = new CancellationTokenSource(200);
        try
        {
            while (true) successors.Add(RemoteWorker.Describe((await queue.LeaseAsync(TimeSpan.FromMinutes(1), drain.Token))!.Task));
        }
        catch (OperationCanceledException)
        {
        }
        Assert.Equal(new[] { "left", "left", "resize[0]", "resize[0]", "resize[1]", "resize[1]" }, successors.OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_second_message_for_a_fan_in_step_does_not_run_it_again()
    {
        var workflow = await PublishAsync(Diamond);
        var executor = Images(1);
        var coordinator = Coordinator("a");
        var attempts = new AttemptRunner(new Dictionary<StepKind, IStepExecutor> { [StepKind.Script] = executor }, _ => home.Root);
        await coordinator.StartAsync(workflow, "r1", "null", "local");
        // Run the queue dry by hand, keeping the join task to send it again as a second message.
        StepTask? join = null;
        using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            try
            {
                while (true)
                {
                    var leased = (await queue.LeaseAsync(TimeSpan.FromMinutes(1), drain.Token))!;
                    if (leased.Task.Step == "join") join = leased.Task;
                    await coordinator.HandleAsync(leased.Task, attempts, CancellationToken.None, redelivered: false, leased.MessageId);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        var duplicate = await Coordinator("b").HandleAsync(join!, attempts, CancellationToken.None, redelivered: false, messageId: "another-message");

        Assert.Equal(TaskDisposition.Duplicate, duplicate.Disposition); // dropped: the first message ran it and sent tail
        Assert.Single(executor.Of("join"));
        Assert.Single(executor.Of("tail"));
        Assert.Equal(RunState.Succeeded, (await coordinator.GetEndAsync("diamond-1.0.0", "r1"))!.State);
    }

    [Fact]
    public async Task A_step_that_keeps_failing_is_dead_lettered_and_a_redrive_after_the_fix_finishes_the_run()
    {
        var workflow = await PublishAsync(Diamond);
        var broken = true;
        var executor = Images(2).On("left", (_, _) => broken ? throw new StepFailedException(WorkflowErrors.StepScriptFailed, "no disk") : Task.FromResult("1"));
        var coordinator = Coordinator("a");
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => new RemoteWorker(coordinator, queue, new IStepExecutor[] { executor }, new RemoteWorkerOptions { Concurrency = 2, WorkFolder = home.Root }).Run(null, stop.Token));

        await coordinator.StartAsync(workflow, "r1", "null", "local");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (queue.DeadLetters.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20);
        var (task, reason) = Assert.Single(queue.DeadLetters);
        Assert.Equal("left", task.Step);
        Assert.Contains("no disk", reason, StringComparison.Ordinal);
        Assert.Null(await coordinator.GetEndAsync("diamond-1.0.0", "r1")); // waiting, not Failed: a redrive can finish it

        broken = false;
        await queue.EnqueueAsync(task);
        var end = await EndAsync(coordinator, "diamond-1.0.0", "r1");
        stop.Cancel();
        await running;

        Assert.Equal(RunState.Succeeded, end.State);
        Assert.Single(executor.Of("join"));
    }

    [Fact]
    public async Task A_step_that_cannot_start_fails_the_run_and_cancels_its_dependents()
    {
        var workflow = await PublishAsync(Diamond);
        var executor = new ScriptedExecutor().Returns("split", """{"images":"not an array"}""");
        var coordinator = Coordinator("a");
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => new RemoteWorker(coordinator, queue, new IStepExecutor[] { executor }, new RemoteWorkerOptions { Concurrency = 2, WorkFolder = home.Root }).Run(null, stop.Token));

        await coordinator.StartAsync(workflow, "r1", "null", "local");
        var end = await EndAsync(coordinator, "diamond-1.0.0", "r1");
        stop.Cancel();
        await running;

        Assert.Equal(RunState.Failed, end.State);
        Assert.Contains("Step 'resize' failed", end.Error, StringComparison.Ordinal);
        Assert.Empty(executor.Of("join"));
        var join = (await bucket.GetAsync("runs/diamond-1.0.0/r1/steps/join.json"))!;
        Assert.Contains("\"Cancelled\"", System.Text.Encoding.UTF8.GetString(join), StringComparison.Ordinal);
        Assert.Empty(await bucket.ListAsync("halts/diamond-1.0.0/")); // the run ended: its halt notice went
    }

    [Fact]
    public async Task A_stopped_run_starts_no_more_steps_and_its_halt_notice_goes_when_it_ends()
    {
        var workflow = await PublishAsync(Diamond);
        await Coordinator("starter").StartAsync(workflow, "r1", "null", "local");
        await Coordinator("stopper").StopAsync("diamond-1.0.0", "r1");
        Assert.Equal(new[] { "halts/diamond-1.0.0/r1.json" }, await bucket.ListAsync("halts/diamond-1.0.0/"));

        var executor = Images(2);
        var coordinator = Coordinator("worker");
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => new RemoteWorker(coordinator, queue, new IStepExecutor[] { executor }, new RemoteWorkerOptions { Concurrency = 2, WorkFolder = home.Root }).Run(null, stop.Token));
        var end = await EndAsync(coordinator, "diamond-1.0.0", "r1");
        stop.Cancel();
        await running;

        Assert.Equal(RunState.Cancelled, end.State);
        Assert.Equal("The run was stopped.", end.Error);
        Assert.Empty(executor.Of("split"));
        Assert.Equal(5, (await bucket.ListAsync("runs/diamond-1.0.0/r1/steps/")).Count); // every step final: Cancelled
        Assert.Empty(await bucket.ListAsync("halts/diamond-1.0.0/"));
    }

    [Fact]
    public async Task A_task_of_no_known_run_is_dead_lettered_with_the_reason()
    {
        await PublishAsync(Diamond);
        await queue.EnqueueAsync(new StepTask("nope", "diamond-1.0.0", "split", null, 1, new SharedInput("{}"), null));
        using var stop = new CancellationTokenSource();
        var info = new RemoteWorker(Coordinator("a"), queue, new IStepExecutor[] { Images(1) }, new RemoteWorkerOptions { Concurrency = 1, MaxTasks = 1, WorkFolder = home.Root }).Run(null, stop.Token);

        Assert.Equal(1, info.DeadLettered);
        Assert.Equal("MaxTasks", info.StopReason);
        var (task, reason) = Assert.Single(queue.DeadLetters);
        Assert.Equal("nope", task.RunId);
        Assert.Contains("No run 'nope' of workflow 'diamond-1.0.0'", reason, StringComparison.Ordinal);
    }
}
