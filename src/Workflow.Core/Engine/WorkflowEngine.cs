using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Distributed;
using Workflow.Executors;
using Workflow.Format;
using Workflow.Model;
using Workflow.Placement;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>
/// The embedded engine of one workflow home (store, blobs, queue, workers). Runs started here go on
/// on background threads; every state change is in the store before it is acted on, so a later
/// session carries on what this one could not finish. Disposing it is the end of the session, not a
/// stop of its runs: see <see cref="Dispose"/>.
/// </summary>
public sealed class WorkflowEngine : IDisposable
{
    private readonly EngineServices services;
    private readonly ITaskQueue queue;
    private readonly ActiveRuns active = new();
    private readonly CancellationTokenSource shutdown = new();
    private readonly List<Thread> workers = new();
    private readonly Timer heartbeat;
    private readonly string owner = RunOwner.NewId();
    private int closed;

    /// <summary>An engine made of these ports; its workers start at once. See <see cref="Open"/>.</summary>
    public WorkflowEngine(EnginePorts ports, EngineOptions? options = null)
    {
        Home = Path.GetFullPath(ports.Home);
        Options = options ?? new EngineOptions();
        Store = ports.Store;
        queue = ports.Queue;
        services = new EngineServices(Store, new StoreWriter(Store), queue, new OutputStorage(ports.Blobs, Options.InlineOutputLimit), owner, shutdown.Token);
        Catalog = new WorkflowCatalog(Store, ports.Blobs, record => ports.Regions.Serves(record.Region) ? ports.Regions.ReadDeployment(record).ToInfo() : null);
        Regions = new RegionRuns(Store, ports.Regions, Path.Combine(Home, "cache", "packages"));
        Migrator = new DeploymentMigrator(Store, Regions, Catalog);
        Placement = new PlacementService(Store, Catalog);
        var byKind = ports.Executors.ToDictionary(e => e.Kind);
        for (var i = 0; i < Options.Parallelism; i++)
        {
            var worker = new StepWorker(queue, active, byKind, ports.Blobs);
            var thread = new Thread(() => worker.Loop(shutdown.Token)) { IsBackground = true, Name = $"Workflow worker {i + 1}" };
            thread.Start();
            workers.Add(thread);
        }
        heartbeat = new Timer(_ => Beat(), null, Options.Heartbeat, Options.Heartbeat);
    }

    /// <summary>An engine made of these ports that carries on at once the runs a dead session left (unless the options say not to).</summary>
    public static WorkflowEngine Open(EnginePorts ports, EngineOptions? options = null)
    {
        var engine = new WorkflowEngine(ports, options);
        if (engine.Options.ResumeInterrupted && !engine.Store.IsReadOnly)
        {
            engine.ResumeInterrupted();
        }
        return engine;
    }

    public string Home { get; }
    public EngineOptions Options { get; }
    public IRunStore Store { get; }
    public WorkflowCatalog Catalog { get; }

    /// <summary>Runs and deployments in regions beyond this session (see <see cref="EnginePorts.Regions"/>).</summary>
    public RegionRuns Regions { get; }

    /// <summary>Applies placements: where each step of a region's run goes, per hour (Move-WorkflowDeployment).</summary>
    public DeploymentMigrator Migrator { get; }
    /// <summary>Carbon-aware placement: collecting data (Invoke-DataCollector) and the problem a solver is given.</summary>
    public PlacementService Placement { get; }

    /// <summary>
    /// Starts a run where it belongs: in <paramref name="region"/> when given ("local": this
    /// session), else in the workflow's home region when it is deployed there, else here.
    /// </summary>
    public async Task<WorkflowRun> StartRunAsync(string workflowId, string argumentJson, string? region, RegionAccess? access, CancellationToken cancellationToken)
    {
        var where = PlaceRun(workflowId, region);
        if (where == "local") return StartRun(workflowId, argumentJson);
        return await Regions.StartAsync(workflowId, argumentJson, where, access ?? RegionAccess.Default, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where a new run of the workflow goes (see <see cref="StartRunAsync"/>): "local" or a region's
    /// name; a region nobody serves is WorkflowRegionUnsupported, an unknown one the provider's error.
    /// </summary>
    public string PlaceRun(string workflowId, string? region)
    {
        var home = Catalog.Get(workflowId).HomeRegion;
        if (region == null)
        {
            return Regions.Provider.Serves(home) && Regions.Deployments(workflowId, home).Count > 0 ? Regions.Provider.Normalize(home) : "local";
        }
        if (string.Equals(region, "local", StringComparison.OrdinalIgnoreCase)) return "local";
        return Regions.Provider.Normalize(region);
    }

    /// <summary>Where a run is carried on: "local" for this store's sessions, else its region.</summary>
    public string WhereOf(WorkflowRun run) => RunOwner.IsRemote(run.Owner) ? run.Owner! : "local";

    /// <summary>Creates the run (Queued, in the store) and starts it on background threads.</summary>
    public WorkflowRun StartRun(string workflowId, string argumentJson = "null")
    {
        var workflow = Catalog.Load(workflowId);
        var input = InputDocument.ParseArgument(argumentJson);
        var run = new WorkflowRun
        {
            RunId = Guid.NewGuid().ToString("N").Substring(0, 12),
            WorkflowId = workflowId,
            State = RunState.Queued,
            ArgumentJson = InputDocument.ToJson(input),
            CreatedAt = DateTimeOffset.UtcNow,
            Owner = owner,
            HeartbeatAt = DateTimeOffset.UtcNow,
        };
        Store.CreateRun(run, workflow.Definition.Steps.Select(s => s.Name).ToList());
        Launch(run.RunId, workflow, input, resumed: null);
        return GetRun(run.RunId);
    }

    public WorkflowRun GetRun(string runId) =>
        Store.GetRun(runId) ?? throw new WorkflowException(WorkflowErrors.WorkflowRunNotFound,
            $"Run '{runId}' was not found. Run Get-WorkflowRun to list runs.", runId);

    public IReadOnlyList<WorkflowRun> GetRuns(string? workflowId = null) => Store.GetRuns(workflowId);

    /// <summary>
    /// The run as it is now: a region's run that has not ended is synced from its bucket first (only
    /// what is new is fetched), so its steps and logs are what its workers wrote.
    /// </summary>
    public async Task<WorkflowRun> GetRunAsync(string runId, CancellationToken cancellationToken, RegionAccess? access = null)
    {
        var run = GetRun(runId);
        if (!RunOwner.IsRemote(run.Owner) || run.State.IsFinal()) return run;
        await Regions.SyncAsync(Regions.Deployment(run.WorkflowId, run.Owner!), access ?? RegionAccess.Default, new[] { runId }, cancellationToken).ConfigureAwait(false);
        return GetRun(runId);
    }

    /// <summary>
    /// Waits until the run is final, reporting its progress: a run of this session is awaited, one
    /// carried on by another session is polled in the store, one in a region is followed in its
    /// bucket and then synced into the store.
    /// </summary>
    public async Task<WorkflowRun> WaitAsync(string runId, CancellationToken cancellationToken, IProgress<RunProgress>? progress = null, RegionAccess? access = null)
    {
        var current = GetRun(runId);
        if (RunOwner.IsRemote(current.Owner) && !current.State.IsFinal())
        {
            return await Regions.WaitAsync(current, access ?? RegionAccess.Default, progress, cancellationToken).ConfigureAwait(false);
        }
        while (true)
        {
            if (active.Find(runId) is { } running)
            {
                var delay = Task.Delay(progress == null ? Timeout.Infinite : 250, cancellationToken);
                if (await Task.WhenAny(running.Scheduler.Completion, delay).ConfigureAwait(false) == delay)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ReportProgress(GetRun(runId), progress);
                    continue;
                }
                ThrowIfClosed(runId);
                await running.Scheduler.Completion.ConfigureAwait(false);
            }
            ThrowIfClosed(runId);
            var run = GetRun(runId);
            ReportProgress(run, progress);
            if (run.State.IsFinal()) return run;
            if (!active.Contains(runId))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Waits as <see cref="WaitAsync"/> does; when the wait is cancelled (Ctrl+C on a foreground
    /// wait), a run of this store's sessions is stopped too and returned as it ended, while a
    /// region's run goes on (a cloud job: Stop-WorkflowRun stops it) and the cancellation passes.
    /// </summary>
    public async Task<WorkflowRun> WaitOrStopAsync(string runId, CancellationToken cancellationToken, IProgress<RunProgress>? progress = null, RegionAccess? access = null)
    {
        try
        {
            return await WaitAsync(runId, cancellationToken, progress, access).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !RunOwner.IsRemote(GetRun(runId).Owner))
        {
            var run = GetRun(runId);
            return run.State.IsFinal() ? run : await StopAsync(runId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void ReportProgress(WorkflowRun run, IProgress<RunProgress>? progress) => progress?.Report(RunProgress.Of(run, "local"));

    /// <summary>
    /// Stops a run: running attempts are cancelled, the rest never start; the run ends Cancelled. A
    /// region's run is marked stopped in its bucket and waited on for <paramref name="grace"/>
    /// (default <see cref="RegionRuns.StopGrace"/>); it may come back still going (see
    /// <see cref="RunErrors.StopPending"/>). A run that has ended is WorkflowRunAlreadyFinished.
    /// </summary>
    public async Task<WorkflowRun> StopAsync(string runId, CancellationToken cancellationToken, IProgress<RunProgress>? progress = null, RegionAccess? access = null, TimeSpan? grace = null)
    {
        var run = GetRun(runId);
        if (run.State.IsFinal()) throw RunErrors.Finished(run, "stop");
        if (RunOwner.IsRemote(run.Owner))
        {
            return await Regions.StopAsync(run, access ?? RegionAccess.Default, grace ?? RegionRuns.StopGrace, cancellationToken).ConfigureAwait(false);
        }
        if (active.Find(runId) is { } running)
        {
            running.Context.Stop();
            return await WaitAsync(runId, cancellationToken, progress).ConfigureAwait(false);
        }
        if (!RunOwner.IsInterrupted(run, Options.Heartbeat, DateTimeOffset.UtcNow))
        {
            throw new WorkflowException(WorkflowErrors.WorkflowRunOwnedElsewhere,
                $"Run '{runId}' is being carried on by another session ({run.Owner}). Stop it from that session.", runId);
        }
        if (!Store.TryClaimRun(runId, run.Owner, owner, DateTimeOffset.UtcNow))
        {
            throw new WorkflowException(WorkflowErrors.WorkflowRunClaimedElsewhere,
                $"Another session took run '{runId}' over just now. Run Get-WorkflowRun to see its owner.", runId);
        }
        var now = DateTimeOffset.UtcNow;
        var changes = new List<StoreChange>();
        foreach (var step in run.Steps.Where(s => !s.State.IsFinal()))
        {
            changes.Add(new StepStateChange(runId, now, step.Step, StepState.Cancelled, step.Attempt, Error: "The run was stopped."));
        }
        changes.Add(new RunStateChange(runId, now, RunState.Cancelled, "Stopped by the user."));
        await services.Writer.WriteAsync(changes).ConfigureAwait(false);
        return GetRun(runId);
    }

    /// <summary>
    /// Carries on a run whose session ended: steps that finished keep their outputs and do not run
    /// again; a step that was running runs again with the next attempt number.
    /// </summary>
    public WorkflowRun Resume(string runId)
    {
        var run = GetRun(runId);
        if (run.State.IsFinal() || active.Contains(runId)) return run;
        if (!RunOwner.IsInterrupted(run, Options.Heartbeat, DateTimeOffset.UtcNow))
        {
            throw new WorkflowException(WorkflowErrors.WorkflowRunOwnedElsewhere,
                $"Run '{runId}' is still being carried on by another session ({run.Owner}); it is not interrupted.", runId);
        }
        if (!Store.TryClaimRun(runId, run.Owner, owner, DateTimeOffset.UtcNow))
        {
            return GetRun(runId);
        }
        var workflow = Catalog.Load(run.WorkflowId);
        Launch(runId, workflow, InputDocument.ParseArgument(run.ArgumentJson), Store.GetStepRecords(runId));
        return GetRun(runId);
    }

    /// <summary>The output of a run that succeeded (see <see cref="RunOutput"/>).</summary>
    public async Task<JsonNode?> ReceiveAsync(string runId, CancellationToken cancellationToken = default, RegionAccess? access = null)
    {
        var run = await GetRunAsync(runId, cancellationToken, access).ConfigureAwait(false);
        if (!run.State.IsFinal())
        {
            throw new WorkflowException(WorkflowErrors.WorkflowRunNotFinished,
                $"Run '{runId}' is {run.State}. Wait for it with Wait-WorkflowRun, or start it with -Wait.", runId);
        }
        if (run.State != RunState.Succeeded)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowRunNotSucceeded,
                $"Run '{runId}' {run.State}: {run.Error} Read its log with Get-WorkflowLog -RunId {runId}.", runId);
        }
        var definition = Catalog.Load(run.WorkflowId).Definition;
        var outputs = new Dictionary<string, JsonNode?>();
        foreach (var record in Store.GetStepRecords(runId).Where(r => r.State == StepState.Succeeded))
        {
            cancellationToken.ThrowIfCancellationRequested();
            outputs[record.Step] = record.OutputJson == null ? null : JsonNode.Parse(await services.Outputs.ResolveAsync(record.OutputJson).ConfigureAwait(false));
        }
        return RunOutput.Of(definition, InputDocument.ParseArgument(run.ArgumentJson), outputs);
    }

    public IReadOnlyList<WorkflowLogRecord> GetLogs(string runId, string? step = null) =>
        GetLogsAsync(runId, step).GetAwaiter().GetResult();

    /// <summary>The run's log, every line written so far (they are posted to the store without waiting: flushed first).</summary>
    public async Task<IReadOnlyList<WorkflowLogRecord>> GetLogsAsync(string runId, string? step = null, CancellationToken cancellationToken = default, RegionAccess? access = null)
    {
        await GetRunAsync(runId, cancellationToken, access).ConfigureAwait(false);
        await services.Writer.FlushAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return Store.GetLogs(runId, step);
    }

    public IReadOnlyList<StateChange> GetHistory(string runId) =>
        GetHistoryAsync(runId).GetAwaiter().GetResult();

    public async Task<IReadOnlyList<StateChange>> GetHistoryAsync(string runId, CancellationToken cancellationToken = default)
    {
        GetRun(runId);
        await services.Writer.FlushAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return Store.GetHistory(runId);
    }

    private void Launch(string runId, PublishedWorkflow workflow, JsonNode? input, IReadOnlyList<StepRecord>? resumed)
    {
        var context = new RunContext(runId, workflow, input, services, RunSecrets.FromEnvironment(workflow.Definition.Secrets));
        var scheduler = new RunScheduler(context);
        active.Add(context, scheduler);
        _ = Task.Run(() => scheduler.RunAsync(resumed));
        scheduler.Completion.ContinueWith(_ => active.Remove(runId), TaskScheduler.Default);
    }

    private void ResumeInterrupted()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var run in Store.GetRuns().Where(r => RunOwner.IsInterrupted(r, Options.Heartbeat, now)))
        {
            try
            {
                Resume(run.RunId);
            }
            catch (WorkflowException)
            {
                // A workflow removed meanwhile or a run claimed by another session: nothing to carry on here.
            }
        }
    }

    private void Beat()
    {
        var runs = active.Ids;
        if (runs.Count == 0) return;
        try
        {
            Store.Heartbeat(owner, runs, DateTimeOffset.UtcNow);
        }
        catch (Exception)
        {
            // A missed beat only makes the runs look idle longer; the next beat retries.
        }
    }

    private void ThrowIfClosed(string runId)
    {
        if (shutdown.IsCancellationRequested)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowEngineClosed,
                $"The session's engine closed while waiting for run '{runId}'. The run is interrupted, not lost: the next session resumes it, or run Resume-WorkflowRun -RunId {runId}.", runId);
        }
    }

    private static TimeSpan Left(DateTime deadline) => deadline > DateTime.UtcNow ? deadline - DateTime.UtcNow : TimeSpan.Zero;

    /// <summary>
    /// Ends the session's engine (process exit, module removal): not a stop of its runs. It takes no
    /// more steps, interrupts the running attempts (pipelines stopped, command processes killed),
    /// records the outcomes of attempts that had ended, and lets its runs go in the store with their
    /// steps as they are, so the next session resumes them at once (as after a crash, where it must
    /// wait for the owner to look dead) and runs again only the steps that had not finished.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref closed, 1) == 1) return;
        heartbeat.Dispose();
        shutdown.Cancel();
        // Workers waiting for a task see the shutdown token; a queue that holds resources lets them go.
        (queue as IDisposable)?.Dispose();
        // Attempts in flight see the shutdown token; give them one shared deadline to unwind.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var stopped = true;
        foreach (var worker in workers) stopped &= worker.Join(Left(deadline));
        // An attempt that did not unwind may still run here: the run stays ours until it looks dead,
        // so no other session runs the same step beside it.
        var schedulers = active.All.Select(r => r.Scheduler).ToList();
        foreach (var scheduler in schedulers) scheduler.Interrupt(release: stopped);
        Task.WhenAny(Task.WhenAll(schedulers.Select(s => s.Completion)), Task.Delay(Left(deadline.AddSeconds(2)))).GetAwaiter().GetResult();
        services.Writer.Dispose();
        Store.Dispose();
    }
}
