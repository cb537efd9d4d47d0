using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Engine;
using Workflow.Format;
using Workflow.Model;
using Workflow.Queue;

namespace Workflow.Distributed;

/// <summary>
/// Carries runs on through a blob store and task queues shared by many workers on many machines:
/// the same readiness rule (<see cref="StepDecision"/>) and attempt loop as the local engine, with
/// the run's state in the blob store instead of one process's memory. Each worker that finishes a
/// step decides its successors; a successor starts once because starting it is a conditional put
/// (<see cref="IBlobStore.PutIfAbsentAsync"/>) that only one caller wins.
/// </summary>
public sealed class RemoteRunCoordinator
{
    private readonly IBlobStore blobs;
    private readonly Func<string, ITaskQueue> queueOf;
    private readonly PackageCache packages;
    private readonly OutputStorage outputs;
    private readonly string worker;
    private readonly ConcurrentDictionary<string, RemoteRun> runs = new();
    private readonly ConcurrentDictionary<string, HaltNotices> notices = new();

    /// <param name="blobs">The blob store of the deployment's region: packages and run state.</param>
    /// <param name="queueOf">The task queue of a region.</param>
    /// <param name="packages">Where packages are fetched to.</param>
    /// <param name="worker">Who this is, recorded with each result.</param>
    /// <param name="inlineOutputLimit">Outputs larger than this (bytes) are stored by reference.</param>
    public RemoteRunCoordinator(IBlobStore blobs, Func<string, ITaskQueue> queueOf, PackageCache packages, string worker, int inlineOutputLimit = 256 * 1024)
    {
        this.blobs = blobs;
        this.queueOf = queueOf;
        this.packages = packages;
        this.worker = worker;
        outputs = new OutputStorage(blobs, inlineOutputLimit);
    }

    public IBlobStore Blobs => blobs;

    /// <summary>Writes the run's definition and enqueues its first steps; <paramref name="placement"/> names the steps that run in other regions.</summary>
    public async Task<RemoteRunDocument> StartAsync(PublishedWorkflow workflow, string runId, string argumentJson, string region, CancellationToken cancellationToken = default,
        IReadOnlyDictionary<string, string>? placement = null)
    {
        var document = new RemoteRunDocument(runId, workflow.Info.WorkflowId, workflow.Info.ContentHash, argumentJson, DateTimeOffset.UtcNow, region,
            placement is { Count: > 0 } ? placement : null);
        var keys = new RemoteRunKeys(document.WorkflowId, runId);
        if (!await blobs.PutIfAbsentAsync(keys.Run, RemoteJson.Bytes(document), cancellationToken).ConfigureAwait(false))
        {
            throw new WorkflowException(WorkflowErrors.WorkflowRunExists,
                $"Run '{runId}' of workflow '{document.WorkflowId}' already exists under '{keys.Prefix}'. Start a new run.", runId);
        }
        var run = new RemoteRun(document, workflow, blobs, worker, NoticesOf(document.WorkflowId), created: true);
        runs[runId] = run;
        var handling = new Handling("start", mayHoldClaims: false);
        foreach (var step in workflow.Definition.Steps.Where(s => s.Needs.Count == 0))
        {
            await DispatchAsync(run, step, handling, cancellationToken).ConfigureAwait(false);
        }
        await SendAsync(handling, cancellationToken).ConfigureAwait(false);
        return document;
    }

    /// <summary>
    /// Handles one leased task: runs it unless its result exists, writes the result, enqueues what
    /// became ready. A first delivery skips the look for an existing result (a request per step):
    /// results are written once, so the rare duplicate message runs the step again at most.
    /// </summary>
    internal async Task<HandledTask> HandleAsync(StepTask task, AttemptRunner attempts, CancellationToken shutdown, bool redelivered = true, string? messageId = null)
    {
        var run = await FindRunAsync(task.WorkflowId, task.RunId, shutdown).ConfigureAwait(false);
        if (run == null)
        {
            return new HandledTask(TaskDisposition.DeadLettered, null, 0,
                $"No run '{task.RunId}' of workflow '{task.WorkflowId}' in this deployment's bucket: the task is not ours or its run was removed.");
        }
        var step = run.Workflow.Definition.FindStep(task.Step);
        if (step == null || (task.Item != null) != (step.Foreach != null))
        {
            return new HandledTask(TaskDisposition.DeadLettered, null, 0,
                $"Workflow '{task.WorkflowId}' ({run.Document.ContentHash}) has no {(task.Item != null ? "foreach " : "")}step '{task.Step}'.");
        }
        // The message is who dispatches: unique per message, and the same on its every delivery, so a
        // redelivery still holds the claims its first delivery made and a copy of the task holds none.
        // Without a message id (a direct call) the task names the claimant, as before.
        var handling = messageId != null
            ? new Handling(messageId, mayHoldClaims: true)
            : new Handling(task.Step + (task.Item is { } n ? "/" + n : ""), redelivered);
        var result = await HandleTaskAsync(run, step, task, attempts, handling, shutdown, redelivered, messageId).ConfigureAwait(false);
        // What became ready goes out last, in batches: after every result and claim it follows from is written.
        await SendAsync(handling, shutdown).ConfigureAwait(false);
        return result;
    }

    private async Task<HandledTask> HandleTaskAsync(RemoteRun run, StepDefinition step, StepTask task, AttemptRunner attempts, Handling handling, CancellationToken shutdown, bool redelivered, string? messageId)
    {
        // Every task is taken before anything else, one conditional put per step or item: of two
        // messages of one task (the queue delivered a copy, or two workers sent the same successor)
        // the first to write the take runs the step and sends what follows it; the other is dropped,
        // as the holder's message stays in the queue until that is done. The same message again (its
        // worker died, its lease ran out) holds the take still: the holder is compared, not the
        // receive count, so a miscounted receive cannot lose a step.
        var taken = messageId != null ? run.Keys.Taken(step.Name, task.Item) : null;
        if (taken != null && !await run.HoldAsync(taken, messageId!, mayHoldAlready: true, shutdown).ConfigureAwait(false))
        {
            return new HandledTask(TaskDisposition.Duplicate, null, 0, "Another message of this task holds it.");
        }
        // Redelivered after its result was written (the worker died before deleting the message):
        // the step does not run again, but what should have followed is done (it is idempotent).
        var done = redelivered ? await run.ResultAsync(step.Name, shutdown).ConfigureAwait(false) : null;
        if (done == null && redelivered && task.Item is { } item)
        {
            var itemDone = await RemoteJson.ReadAsync<RemoteStepResult>(blobs, run.Keys.Item(step.Name, item), shutdown).ConfigureAwait(false);
            if (itemDone != null)
            {
                await AfterItemAsync(run, step, handling, shutdown).ConfigureAwait(false);
                return new HandledTask(TaskDisposition.AlreadyDone, itemDone.State, itemDone.Attempt, null);
            }
        }
        if (done != null)
        {
            await AfterStepAsync(run, step, done, handling, shutdown).ConfigureAwait(false);
            return new HandledTask(TaskDisposition.AlreadyDone, done.State, done.Attempt, null);
        }
        if (await run.HaltAsync(shutdown).ConfigureAwait(false) is { } halt)
        {
            var cancelled = await run.WriteStepAsync(step.Name, StepState.Cancelled, task.FirstAttempt - 1, null, null, halt.Reason, shutdown).ConfigureAwait(false);
            await AfterStepAsync(run, step, cancelled, handling, shutdown).ConfigureAwait(false);
            return new HandledTask(TaskDisposition.Cancelled, StepState.Cancelled, cancelled.Attempt, halt.Reason);
        }

        var host = new RemoteAttemptHost(run.Workflow);
        var started = DateTimeOffset.UtcNow;
        var outcome = attempts.Run(host, task, shutdown);
        if (outcome.Interrupted)
        {
            return new HandledTask(TaskDisposition.Released, null, outcome.Attempt, "The worker is stopping.");
        }
        var batch = host.Batch(task.FirstAttempt, started);
        if (batch.Records.Count > 0 || batch.AttemptsStarted.Count > 1)
        {
            // A quiet single attempt has nothing the result does not say: no log object, one request less.
            await blobs.PutAsync(run.Keys.Log(step.Name, task.Item, task.FirstAttempt), RemoteJson.Bytes(batch), shutdown).ConfigureAwait(false);
        }

        if (task.Item is { } index && outcome.Succeeded)
        {
            var stored = await outputs.ToStoredAsync(run.Keys.Output(step.Name, index), outcome.OutputJson!).ConfigureAwait(false);
            var result = new RemoteStepResult(step.Name, index, StepState.Succeeded, outcome.Attempt, started, DateTimeOffset.UtcNow, stored, null, worker, task.Region);
            await blobs.PutIfAbsentAsync(run.Keys.Item(step.Name, index), RemoteJson.Bytes(result), shutdown).ConfigureAwait(false);
            await AfterItemAsync(run, step, handling, shutdown).ConfigureAwait(false);
            return new HandledTask(TaskDisposition.Ran, StepState.Succeeded, outcome.Attempt, null);
        }
        if (!outcome.Succeeded && !outcome.Cancelled)
        {
            // No result is written: the take goes, so the next message of the task (this one again,
            // or a new one when a redrive brings it back from the dead-letter queue) can run it.
            if (taken != null) await blobs.DeleteAsync(taken, shutdown).ConfigureAwait(false);
            return new HandledTask(TaskDisposition.StepFailed, StepState.Failed, outcome.Attempt, outcome.Error);
        }
        string? output = null;
        if (outcome.Succeeded)
        {
            output = await outputs.ToStoredAsync(run.Keys.Output(step.Name, null), outcome.OutputJson!).ConfigureAwait(false);
        }
        var state = outcome.Succeeded ? StepState.Succeeded : outcome.Cancelled ? StepState.Cancelled : StepState.Failed;
        var error = outcome.Error == null ? null : (task.Item is { } failedItem ? $"Item {failedItem}: {outcome.Error}" : outcome.Error);
        var final = await run.WriteStepAsync(step.Name, state, outcome.Attempt, started, output, error, shutdown, ranIn: task.Region).ConfigureAwait(false);
        await AfterStepAsync(run, step, final, handling, shutdown).ConfigureAwait(false);
        return new HandledTask(TaskDisposition.Ran, final.State, outcome.Attempt, final.Error);
    }

    /// <summary>The run's end, or null while it goes on.</summary>
    public Task<RemoteRunEnd?> GetEndAsync(string workflowId, string runId, CancellationToken cancellationToken = default) =>
        RemoteJson.ReadAsync<RemoteRunEnd>(blobs, new RemoteRunKeys(workflowId, runId).End, cancellationToken);

    /// <summary>Asks every worker to start nothing more of the run; steps already running finish.</summary>
    public Task StopAsync(string workflowId, string runId, CancellationToken cancellationToken = default) =>
        HaltNotices.HaltAsync(blobs, new RemoteRunKeys(workflowId, runId), new RemoteRunHalt(RunState.Cancelled, DateTimeOffset.UtcNow, "The run was stopped."), cancellationToken);

    private async Task AfterItemAsync(RemoteRun run, StepDefinition step, Handling handling, CancellationToken cancellationToken)
    {
        // The item that finds every item done completes the step; if two find it at once, the
        // conditional put of the step's result keeps one answer.
        var count = await RemoteJson.ReadAsync<ForeachCount>(blobs, run.Keys.ItemCount(step.Name), cancellationToken).ConfigureAwait(false);
        if (count == null) return;
        var keys = await blobs.ListAsync(run.Keys.ItemsPrefix(step.Name), cancellationToken).ConfigureAwait(false);
        if (keys.Count < count.Count) return;
        var items = new JsonNode?[count.Count];
        var attempt = 0;
        await ForEachAsync(Enumerable.Range(0, count.Count), async i =>
        {
            var result = await RemoteJson.ReadAsync<RemoteStepResult>(blobs, run.Keys.Item(step.Name, i), cancellationToken).ConfigureAwait(false);
            if (result?.Output is { } stored)
            {
                items[i] = JsonNode.Parse(await outputs.ResolveAsync(stored).ConfigureAwait(false));
                InterlockedMax(ref attempt, result.Attempt);
            }
        }).ConfigureAwait(false);
        var json = new JsonArray(items).ToJsonString();
        var output = await outputs.ToStoredAsync(run.Keys.Output(step.Name, null), json).ConfigureAwait(false);
        var final = await run.WriteStepAsync(step.Name, StepState.Succeeded, attempt, null, output, null, cancellationToken, ranIn: run.RegionOf(step.Name)).ConfigureAwait(false);
        await AfterStepAsync(run, step, final, handling, cancellationToken).ConfigureAwait(false);
    }

    private async Task AfterStepAsync(RemoteRun run, StepDefinition step, RemoteStepResult result, Handling handling, CancellationToken cancellationToken)
    {
        if (result.State == StepState.Failed)
        {
            var halt = new RemoteRunHalt(RunState.Failed, DateTimeOffset.UtcNow, $"Step '{step.Name}' failed: {result.Error}");
            await HaltNotices.HaltAsync(blobs, run.Keys, halt, cancellationToken).ConfigureAwait(false);
            await run.HaltAsync(cancellationToken, fresh: true).ConfigureAwait(false); // read back the halt that won
        }
        var dependents = run.Dependents(step.Name);
        if (dependents.Count == 0)
        {
            // The last step of a run to become final has no dependents: only then can the run end.
            await EndIfDoneAsync(run, step, cancellationToken).ConfigureAwait(false);
        }
        foreach (var dependent in dependents)
        {
            await DispatchAsync(run, dependent, handling, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DispatchAsync(RemoteRun run, StepDefinition step, Handling handling, CancellationToken cancellationToken)
    {
        // A fan-in step with several needs this worker has not seen end: one LIST tells whether
        // they all have, where reading each (mostly not there yet) would cost a request apiece.
        var unknown = step.Needs.Where(n => !run.Knows(n)).ToList();
        if (unknown.Count > 1)
        {
            var finished = new HashSet<string>(await blobs.ListAsync(run.Keys.StepsPrefix, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
            if (unknown.Any(n => !finished.Contains(run.Keys.Step(n)))) return;
        }
        var states = new Dictionary<string, StepState>();
        foreach (var need in step.Needs)
        {
            var result = await run.ResultAsync(need, cancellationToken).ConfigureAwait(false);
            if (result == null) return; // another need is not final yet: its worker decides
            states[need] = result.State;
        }
        var verdict = StepDecision.Readiness(step, states);
        var halt = verdict == StepVerdict.Cancel ? null : await run.HaltAsync(cancellationToken).ConfigureAwait(false);
        if (halt != null) verdict = StepVerdict.Cancel;
        // Only a step with several needs can be made ready by two workers at once: it is claimed, so
        // that one message is sent. A step with one need is made ready by that need's task alone; when
        // that task is handled again (redelivered) its successor is sent again, and the successor's
        // take keeps the second message from running it.
        if (step.Needs.Count > 1 && !await run.HoldAsync(run.Keys.Claim(step.Name), handling.Claimant, handling.MayHoldClaims, cancellationToken).ConfigureAwait(false)) return;

        RemoteStepResult? final = null;
        if (verdict == StepVerdict.Cancel)
        {
            final = await run.WriteStepAsync(step.Name, StepState.Cancelled, 0, null, null, halt?.Reason ?? "A step it depends on failed.", cancellationToken).ConfigureAwait(false);
        }
        else if (verdict == StepVerdict.Skip)
        {
            final = await run.WriteStepAsync(step.Name, StepState.Skipped, 0, null, null, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            final = await StartStepAsync(run, step, states, handling, cancellationToken).ConfigureAwait(false);
        }
        if (final != null)
        {
            await AfterStepAsync(run, step, final, handling, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Enqueues the step's task(s); returns the result instead when the step ends without running.</summary>
    private async Task<RemoteStepResult?> StartStepAsync(RemoteRun run, StepDefinition step, IReadOnlyDictionary<string, StepState> states, Handling handling, CancellationToken cancellationToken)
    {
        var scopeOutputs = new Dictionary<string, JsonNode?>();
        // if/foreach may read any step the step needs, directly or not; the task carries direct needs.
        var read = step.If != null || step.Foreach != null ? run.Ancestors(step.Name) : (IReadOnlyCollection<string>)step.Needs;
        foreach (var name in read)
        {
            var result = await run.ResultAsync(name, cancellationToken).ConfigureAwait(false);
            if (result?.State == StepState.Succeeded)
            {
                scopeOutputs[name] = result.Output == null ? null : JsonNode.Parse(await outputs.ResolveAsync(result.Output).ConfigureAwait(false));
            }
        }
        var plan = StepDecision.Decide(step, states, new ExpressionScope { Input = run.Input, StepOutputs = scopeOutputs });
        var region = run.RegionOf(step.Name);
        switch (plan.Verdict)
        {
            case StepVerdict.Run:
                handling.Outbox.Add(NewTask(run, step, plan.Input!, null, null, region));
                return null;
            case StepVerdict.RunItems:
                var items = plan.Items!;
                await blobs.PutIfAbsentAsync(run.Keys.ItemCount(step.Name), RemoteJson.Bytes(new ForeachCount(items.Count)), cancellationToken).ConfigureAwait(false);
                var finished = new HashSet<string>(await blobs.ListAsync(run.Keys.ItemsPrefix(step.Name), cancellationToken).ConfigureAwait(false));
                for (var i = 0; i < items.Count; i++)
                {
                    if (finished.Contains(run.Keys.Item(step.Name, i))) continue;
                    handling.Outbox.Add(NewTask(run, step, plan.Input!, i, InputDocument.ToJson(items[i]), region));
                }
                return null;
            case StepVerdict.Succeed:
                return await run.WriteStepAsync(step.Name, StepState.Succeeded, 0, null, "[]", null, cancellationToken).ConfigureAwait(false);
            case StepVerdict.Fail:
                return await run.WriteStepAsync(step.Name, StepState.Failed, 0, null, null, plan.Error!.Message, cancellationToken).ConfigureAwait(false);
            case StepVerdict.Skip:
                return await run.WriteStepAsync(step.Name, StepState.Skipped, 0, null, null, null, cancellationToken).ConfigureAwait(false);
            default:
                // Wait and Cancel come from the needs' states, on which the caller already decided Run.
                throw new InvalidOperationException($"Step '{step.Name}' was started on the verdict {plan.Verdict}.");
        }
    }

    private async Task SendAsync(Handling handling, CancellationToken cancellationToken)
    {
        foreach (var group in handling.Outbox.GroupBy(t => t.Region))
        {
            await queueOf(group.Key).EnqueueManyAsync(group.ToList(), cancellationToken).ConfigureAwait(false);
        }
        handling.Outbox.Clear();
    }

    /// <summary>Who is dispatching (the claimant of the claims it makes) and the tasks it has made ready.</summary>
    private sealed class Handling
    {
        public Handling(string claimant, bool mayHoldClaims)
        {
            Claimant = claimant;
            MayHoldClaims = mayHoldClaims;
        }

        public string Claimant { get; }
        /// <summary>An earlier delivery of this claimant may have made claims already: a claim it finds held is compared with it.</summary>
        public bool MayHoldClaims { get; }
        public List<StepTask> Outbox { get; } = new();
    }

    private static StepTask NewTask(RemoteRun run, StepDefinition step, SharedInput shared, int? item, string? itemJson, string region) =>
        new(run.Document.RunId, run.Document.WorkflowId, step.Name, item, 1, shared, itemJson, region, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private async Task EndIfDoneAsync(RemoteRun run, StepDefinition last, CancellationToken cancellationToken)
    {
        // A step's result is written only after its needs' results, so the step's ancestors are
        // final: when they and it are every step (a workflow that ends in one step), no LIST.
        if (run.Ancestors(last.Name).Count + 1 < run.Workflow.Definition.Steps.Count)
        {
            var finished = await blobs.ListAsync(run.Keys.StepsPrefix, cancellationToken).ConfigureAwait(false);
            if (finished.Count < run.Workflow.Definition.Steps.Count) return;
        }
        var halt = await run.HaltAsync(cancellationToken, fresh: true).ConfigureAwait(false); // as it is now
        var state = halt?.State ?? RunState.Succeeded;
        await blobs.PutIfAbsentAsync(run.Keys.End, RemoteJson.Bytes(new RemoteRunEnd(state, DateTimeOffset.UtcNow, halt?.Reason)), cancellationToken).ConfigureAwait(false);
        if (halt != null) await blobs.DeleteAsync(run.Keys.HaltNotice, cancellationToken).ConfigureAwait(false);
        runs.TryRemove(run.Document.RunId, out _);
    }

    private HaltNotices NoticesOf(string workflowId) => notices.GetOrAdd(workflowId, id => new HaltNotices(blobs, id));

    private async Task<RemoteRun?> FindRunAsync(string workflowId, string runId, CancellationToken cancellationToken)
    {
        if (runs.TryGetValue(runId, out var run) && run.Document.WorkflowId == workflowId) return run;
        var keys = new RemoteRunKeys(workflowId, runId);
        var document = await RemoteJson.ReadAsync<RemoteRunDocument>(blobs, keys.Run, cancellationToken).ConfigureAwait(false);
        if (document == null || document.WorkflowId != workflowId || document.RunId != runId) return null;
        var workflow = await packages.LoadAsync(workflowId, document.ContentHash, cancellationToken).ConfigureAwait(false);
        run = new RemoteRun(document, workflow, blobs, worker, NoticesOf(workflowId));
        return runs.GetOrAdd(runId, run);
    }

    private static async Task ForEachAsync(IEnumerable<int> source, Func<int, Task> body)
    {
        // A few reads at a time: enough to hide the round trip, not a flood.
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(source.Select(async i =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try { await body(i).ConfigureAwait(false); }
            finally { gate.Release(); }
        })).ConfigureAwait(false);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    private sealed record ForeachCount(int Count);
}
