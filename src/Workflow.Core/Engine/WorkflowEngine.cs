using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Executors;
using Workflow.Format;
using Workflow.Model;
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
    private readonly FolderBlobStore blobs;
    private readonly InProcessTaskQueue queue = new();
    private readonly ConcurrentDictionary<string, RunContext> active = new();
    private readonly CancellationTokenSource shutdown = new();
    private readonly List<Thread> workers = new();
    private readonly Timer heartbeat;
    private readonly string owner = RunOwner.NewId();
    private int closed;

    private WorkflowEngine(string home, IRunStore store, IEnumerable<IStepExecutor> executors, EngineOptions options)
    {
        Home = home;
        Options = options;
        Store = store;
        blobs = new FolderBlobStore(Path.Combine(home, "blobs"));
        services = new EngineServices(store, new StoreWriter(store), queue, new OutputStorage(blobs, options.InlineOutputLimit), owner, shutdown.Token);
        Catalog = new WorkflowCatalog(store, blobs);
        var byKind = executors.ToDictionary(e => e.Kind);
        for (var i = 0; i < options.Parallelism; i++)
        {
            var worker = new StepWorker(queue, FindRun, byKind, blobs);
            var thread = new Thread(() => worker.Loop(shutdown.Token)) { IsBackground = true, Name = $"Workflow worker {i + 1}" };
            thread.Start();
            workers.Add(thread);
        }
        heartbeat = new Timer(_ => Beat(), null, options.Heartbeat, options.Heartbeat);
    }

    /// <summary>Opens the engine on a workflow home: its store file, blob folder and workers.</summary>
    public static WorkflowEngine Open(string home, IEnumerable<IStepExecutor> executors, EngineOptions? options = null)
    {
        home = Path.GetFullPath(home);
        var store = SqliteRunStore.Open(WorkflowHome.StorePath(home));
        var engine = new WorkflowEngine(home, store, executors, options ?? new EngineOptions());
        if (engine.Options.ResumeInterrupted && !store.IsReadOnly)
        {
            engine.ResumeInterrupted();
        }
        return engine;
    }

    public string Home { get; }
    public EngineOptions Options { get; }
    public IRunStore Store { get; }
    public WorkflowCatalog Catalog { get; }

    /// <summary>Creates the run (Queued, in the store) and starts it on background threads.</summary>
    public WorkflowRun StartRun(string workflowId, string argumentJson = "null")
    {
        var workflow = Catalog.Load(workflowId);
        var input = ParseArgument(argumentJson);
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

    /// <summary>Waits until the run is final; a run carried on by another session is polled in the store.</summary>
    public async Task<WorkflowRun> WaitAsync(string runId, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (active.TryGetValue(runId, out var context) && context.Scheduler is { } scheduler)
            {
                var finished = await Task.WhenAny(scheduler.Completion, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                ThrowIfClosed(runId);
                await finished.ConfigureAwait(false);
            }
            ThrowIfClosed(runId);
            var run = GetRun(runId);
            if (run.State.IsFinal()) return run;
            if (!active.ContainsKey(runId))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops a run: running attempts are cancelled, the rest never start; the run ends Cancelled.</summary>
    public async Task<WorkflowRun> StopAsync(string runId, CancellationToken cancellationToken)
    {
        var run = GetRun(runId);
        if (run.State.IsFinal()) return run;
        if (active.TryGetValue(runId, out var context))
        {
            context.Stop();
            return await WaitAsync(runId, cancellationToken).ConfigureAwait(false);
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
        if (run.State.IsFinal() || active.ContainsKey(runId)) return run;
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
        Launch(runId, workflow, ParseArgument(run.ArgumentJson), Store.GetStepRecords(runId));
        return GetRun(runId);
    }

    /// <summary>The run's output: the workflow's <c>output</c> expression, else the outputs of its last steps.</summary>
    public async Task<JsonNode?> ReceiveAsync(string runId)
    {
        var run = GetRun(runId);
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
            outputs[record.Step] = record.OutputJson == null ? null : JsonNode.Parse(await services.Outputs.ResolveAsync(record.OutputJson).ConfigureAwait(false));
        }
        if (definition.Output != null)
        {
            return WorkflowExpression.Parse(definition.Output).Evaluate(new ExpressionScope { Input = ParseArgument(run.ArgumentJson), StepOutputs = outputs });
        }
        var needed = new HashSet<string>(definition.Steps.SelectMany(s => s.Needs));
        var last = definition.Steps.Where(s => !needed.Contains(s.Name) && outputs.ContainsKey(s.Name)).ToList();
        if (last.Count == 1) return outputs[last[0].Name];
        var result = new JsonObject();
        foreach (var step in last) result[step.Name] = outputs[step.Name]?.DeepClone();
        return result;
    }

    public IReadOnlyList<WorkflowLogRecord> GetLogs(string runId, string? step = null)
    {
        GetRun(runId);
        // Log lines are posted without waiting; flush so a caller sees every line written so far.
        services.Writer.FlushAsync().GetAwaiter().GetResult();
        return Store.GetLogs(runId, step);
    }

    public IReadOnlyList<StateChange> GetHistory(string runId)
    {
        GetRun(runId);
        services.Writer.FlushAsync().GetAwaiter().GetResult();
        return Store.GetHistory(runId);
    }

    private static JsonNode? ParseArgument(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowArgumentNotJson,
                $"The run argument is not JSON: {e.Message} Pass an object, a hashtable or a JSON string.", json, e);
        }
    }

    private void Launch(string runId, PublishedWorkflow workflow, JsonNode? input, IReadOnlyList<StepRecord>? resumed)
    {
        var context = new RunContext(runId, workflow, input, services, RunSecrets.FromEnvironment(workflow.Definition.Secrets));
        var scheduler = new RunScheduler(context);
        context.Scheduler = scheduler;
        active[runId] = context;
        _ = Task.Run(() => scheduler.RunAsync(resumed));
        scheduler.Completion.ContinueWith(_ => active.TryRemove(runId, out var _), TaskScheduler.Default);
    }

    private RunContext? FindRun(string runId) => active.TryGetValue(runId, out var context) ? context : null;

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
        var runs = active.Keys.ToList();
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
        queue.Close();
        // Attempts in flight see the shutdown token; give them one shared deadline to unwind.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var stopped = true;
        foreach (var worker in workers) stopped &= worker.Join(Left(deadline));
        // An attempt that did not unwind may still run here: the run stays ours until it looks dead,
        // so no other session runs the same step beside it.
        var schedulers = active.Values.Select(c => c.Scheduler!).ToList();
        foreach (var scheduler in schedulers) scheduler.Interrupt(release: stopped);
        Task.WhenAny(Task.WhenAll(schedulers.Select(s => s.Completion)), Task.Delay(Left(deadline.AddSeconds(2)))).GetAwaiter().GetResult();
        services.Writer.Dispose();
        Store.Dispose();
    }
}
