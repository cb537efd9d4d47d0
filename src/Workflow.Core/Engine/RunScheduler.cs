using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Format;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>
/// Carries one run on: decides which steps are ready, writes each decision to the store, then
/// enqueues the tasks; takes the workers' outcomes and decides again, until every step is final.
/// </summary>
internal sealed class RunScheduler
{
    private readonly RunContext run;
    private readonly Dictionary<string, StepSlot> slots = new();
    // Live views the decisions read, kept beside the slots so a decision costs O(needs), not O(steps).
    private readonly Dictionary<string, StepState> states = new();
    private readonly Dictionary<string, JsonNode?> outputs = new();
    // Steps whose needs are all final, waiting for a decision: a step is looked at once, when its
    // last need ends, not on every pass over a thousand-step DAG.
    private readonly Queue<StepSlot> ready = new();
    private readonly TaskCompletionSource<RunState> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int outstanding;
    private string? failure;
    private volatile bool releaseOnInterrupt;

    public RunScheduler(RunContext run)
    {
        this.run = run;
        foreach (var step in run.Workflow.Definition.Steps)
        {
            slots[step.Name] = new StepSlot(step);
            states[step.Name] = StepState.Pending;
        }
        foreach (var slot in slots.Values)
        {
            slot.UnfinishedNeeds = slot.Step.Needs.Count;
            foreach (var need in slot.Step.Needs) slots[need].Dependents.Add(slot);
            if (slot.UnfinishedNeeds == 0) ready.Enqueue(slot);
        }
    }

    public RunContext Run => run;

    public Task<RunState> Completion => completion.Task;

    /// <summary>
    /// The engine is closing and its workers have stopped: take the outcomes that arrived, then end
    /// without finishing the run. With <paramref name="release"/>, the run is let go in the store.
    /// </summary>
    public void Interrupt(bool release)
    {
        releaseOnInterrupt = release;
        run.EndOutcomes();
    }

    public async Task RunAsync(IReadOnlyList<StepRecord>? resumed)
    {
        try
        {
            if (resumed != null)
            {
                await RestoreAsync(resumed).ConfigureAwait(false);
            }
            var changes = new List<StoreChange> { new RunStateChange(run.RunId, Now, RunState.Running) };
            await AdvanceAsync(changes).ConfigureAwait(false);
            // Take every outcome that has arrived, decide on all of them, and write the lot in one
            // transaction: one commit per batch, not two per step. No more outcomes: interrupted.
            while (outstanding > 0 && await run.Outcomes.WaitToReadAsync().ConfigureAwait(false))
            {
                changes = new List<StoreChange>();
                while (run.Outcomes.TryRead(out var outcome))
                {
                    outstanding--;
                    await HandleAsync(outcome, changes).ConfigureAwait(false);
                }
                await AdvanceAsync(changes).ConfigureAwait(false);
            }
            if (run.Closing.IsCancellationRequested && slots.Values.Any(s => !s.State.IsFinal()))
            {
                // The engine closes: wait until its workers have stopped and it says whether the run is let go.
                await run.Outcomes.Completion.ConfigureAwait(false);
                completion.TrySetResult(await InterruptedAsync().ConfigureAwait(false));
                return;
            }
            completion.TrySetResult(await FinishAsync().ConfigureAwait(false));
        }
        catch (Exception e) when (run.Closing.IsCancellationRequested)
        {
            // The engine closes under the run (its store or queue shut): not the run's failure. What
            // was written stays, and the next session carries the run on from there.
            completion.TrySetException(e);
        }
        catch (Exception e)
        {
            // The engine itself failed (store, blob store): record it if the store still takes writes.
            try
            {
                await run.Writer.WriteAsync(new RunStateChange(run.RunId, Now, RunState.Failed, run.Redact($"The engine failed: {e.Message}"))).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Nothing more to do: the run stays unfinished in the store and a later session resumes it.
            }
            completion.TrySetException(e);
        }
    }

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    private async Task RestoreAsync(IReadOnlyList<StepRecord> records)
    {
        foreach (var record in records)
        {
            if (!slots.TryGetValue(record.Step, out var slot)) continue;
            slot.Attempt = record.Attempt;
            if (record.State.IsFinal())
            {
                var output = record.OutputJson == null ? null : JsonNode.Parse(await run.Outputs.ResolveAsync(record.OutputJson).ConfigureAwait(false));
                SetFinal(slot, record.State, output);
                if (record.State == StepState.Failed)
                {
                    // The run was already failing when its session died: it must still end Failed.
                    failure ??= $"Step '{record.Step}' failed: {record.Error}";
                }
            }
            else if (record.State == StepState.Running && record.ItemCount is { } count)
            {
                // A foreach step keeps the items that finished before the process died.
                slot.Items = new JsonNode?[count];
                slot.ItemDone = new bool[count];
                foreach (var item in run.Store.GetItemRecords(run.RunId, record.Step))
                {
                    if (item.State == StepState.Succeeded && item.Item < count)
                    {
                        slot.Items[item.Item] = item.OutputJson == null ? null : JsonNode.Parse(await run.Outputs.ResolveAsync(item.OutputJson).ConfigureAwait(false));
                        slot.ItemDone[item.Item] = true;
                    }
                }
            }
        }
    }

    /// <summary>Decides every step that can be decided, writes the decisions (with <paramref name="changes"/>), then enqueues their tasks.</summary>
    private async Task AdvanceAsync(List<StoreChange> changes)
    {
        var tasks = new List<StepTask>();
        var closing = run.Closing.IsCancellationRequested;
        while (ready.Count > 0)
        {
            var slot = ready.Dequeue();
            if (slot.State != StepState.Pending || slot.Dispatched) continue;
            if (failure != null || run.Cancellation.IsCancellationRequested)
            {
                Cancel(slot, changes);
            }
            else if (!closing)
            {
                // While the engine closes, nothing new starts: the step stays Pending for the next session.
                Decide(slot, changes, tasks);
            }
        }

        foreach (var task in tasks)
        {
            changes.Add(new AttemptStarted(run.RunId, Now, task.Step, task.Item, task.FirstAttempt));
        }
        if (changes.Count == 0) return;
        await run.Writer.WriteAsync(changes).ConfigureAwait(false);
        foreach (var task in tasks)
        {
            try
            {
                await run.Queue.EnqueueAsync(task).ConfigureAwait(false);
                outstanding++;
            }
            catch (Exception) when (run.Closing.IsCancellationRequested)
            {
                // The queue closed with the engine: the step stays Running in the store, as if its
                // attempt had been cut short, and the next session runs it.
                return;
            }
        }
    }

    /// <summary>Carries out the decision of <see cref="StepDecision"/> for a step whose needs are all final.</summary>
    private void Decide(StepSlot slot, List<StoreChange> changes, List<StepTask> tasks)
    {
        var step = slot.Step;
        var plan = StepDecision.Decide(step, states, new ExpressionScope { Input = run.Input, StepOutputs = outputs });
        switch (plan.Verdict)
        {
            case StepVerdict.Wait:
                return;
            case StepVerdict.Cancel:
                Cancel(slot, changes);
                return;
            case StepVerdict.Skip:
                Finish(slot, StepState.Skipped, changes);
                return;
            case StepVerdict.Succeed:
                slot.Output = plan.Items;
                Finish(slot, StepState.Succeeded, changes, output: "[]");
                return;
            case StepVerdict.Fail:
                var error = plan.Error!.Message;
                failure ??= $"Step '{step.Name}' failed: {error}";
                Finish(slot, StepState.Failed, changes, error: error);
                run.CancelTasks();
                return;
            case StepVerdict.Run:
                slot.Dispatched = true;
                changes.Add(new StepStateChange(run.RunId, Now, step.Name, StepState.Running, Attempt: slot.Attempt, Region: Format.PlacementReader.LocalRegion));
                tasks.Add(Task(slot, plan.Input!, null, null));
                return;
        }
        var items = plan.Items!;
        slot.Dispatched = true;
        if (slot.Items == null || slot.Items.Length != items.Count)
        {
            slot.Items = new JsonNode?[items.Count];
            slot.ItemDone = new bool[items.Count];
        }
        changes.Add(new StepStateChange(run.RunId, Now, step.Name, StepState.Running, Attempt: slot.Attempt, ItemCount: items.Count, Region: Format.PlacementReader.LocalRegion));
        for (var i = 0; i < items.Count; i++)
        {
            if (!slot.ItemDone![i]) tasks.Add(Task(slot, plan.Input!, i, InputDocument.ToJson(items[i])));
        }
        if (slot.ItemDone!.All(done => done))
        {
            CompleteForeach(slot, changes);
        }
    }

    private void Cancel(StepSlot slot, List<StoreChange> changes) =>
        Finish(slot, StepState.Cancelled, changes, error: failure != null ? "A step it depends on failed." : "The run was stopped.");

    private StepTask Task(StepSlot slot, SharedInput sharedInput, int? item, string? itemJson) =>
        new(run.RunId, run.Workflow.Info.WorkflowId, slot.Step.Name, item, slot.Attempt + 1, sharedInput, itemJson,
            run.Workflow.Definition.HomeRegion);

    private async Task HandleAsync(TaskOutcome outcome, List<StoreChange> changes)
    {
        var slot = slots[outcome.Step];
        if (slot.State.IsFinal())
        {
            return; // A sibling item already failed the step; this late outcome changes nothing.
        }
        slot.Attempt = Math.Max(slot.Attempt, outcome.Attempt);
        if (outcome.Cancelled)
        {
            if (outcome.Item is { } cancelledItem)
            {
                changes.Add(new ItemStateChange(run.RunId, Now, slot.Step.Name, cancelledItem, StepState.Cancelled, outcome.Attempt));
            }
            Finish(slot, StepState.Cancelled, changes, error: outcome.Error ?? (failure != null ? "Cancelled because another step failed." : "The run was stopped."));
        }
        else if (!outcome.Succeeded)
        {
            failure ??= $"Step '{slot.Step.Name}' failed: {outcome.Error}";
            if (outcome.Item is { } failedItem)
            {
                changes.Add(new ItemStateChange(run.RunId, Now, slot.Step.Name, failedItem, StepState.Failed, outcome.Attempt, Error: outcome.Error));
            }
            Finish(slot, StepState.Failed, changes, error: outcome.Error);
            run.CancelTasks();
        }
        else if (outcome.Item is { } item)
        {
            var stored = await run.Outputs.ToStoredAsync(run.RunId, slot.Step.Name, item, outcome.OutputJson!).ConfigureAwait(false);
            slot.Items![item] = JsonNode.Parse(outcome.OutputJson!);
            slot.ItemDone![item] = true;
            changes.Add(new ItemStateChange(run.RunId, Now, slot.Step.Name, item, StepState.Succeeded, outcome.Attempt, stored));
            if (slot.ItemDone.All(done => done))
            {
                CompleteForeach(slot, changes);
            }
        }
        else
        {
            slot.Output = JsonNode.Parse(outcome.OutputJson!);
            var stored = await run.Outputs.ToStoredAsync(run.RunId, slot.Step.Name, null, outcome.OutputJson!).ConfigureAwait(false);
            Finish(slot, StepState.Succeeded, changes, output: stored);
        }
    }

    private void CompleteForeach(StepSlot slot, List<StoreChange> changes)
    {
        var array = new JsonArray(slot.Items!.Select(i => i?.DeepClone()).ToArray());
        slot.Output = array;
        var json = array.ToJsonString();
        var stored = run.Outputs.ToStoredAsync(run.RunId, slot.Step.Name, null, json).GetAwaiter().GetResult();
        Finish(slot, StepState.Succeeded, changes, output: stored);
    }

    private void Finish(StepSlot slot, StepState state, List<StoreChange> changes, string? output = null, string? error = null)
    {
        SetFinal(slot, state, slot.Output);
        changes.Add(new StepStateChange(run.RunId, Now, slot.Step.Name, state, slot.Attempt, OutputJson: output, Error: error == null ? null : run.Redact(error)));
    }

    private void SetFinal(StepSlot slot, StepState state, JsonNode? output)
    {
        if (!slot.State.IsFinal())
        {
            foreach (var dependent in slot.Dependents)
            {
                if (--dependent.UnfinishedNeeds == 0) ready.Enqueue(dependent);
            }
        }
        slot.State = state;
        slot.Output = output;
        states[slot.Step.Name] = state;
        if (state == StepState.Succeeded)
        {
            outputs[slot.Step.Name] = output;
        }
    }

    private async Task<RunState> FinishAsync()
    {
        var changes = new List<StoreChange>();
        foreach (var slot in slots.Values.Where(s => !s.State.IsFinal()))
        {
            Finish(slot, StepState.Cancelled, changes, error: "The run ended before the step could run.");
        }
        var state = run.StopRequested ? RunState.Cancelled : failure != null ? RunState.Failed : RunState.Succeeded;
        changes.Add(new RunStateChange(run.RunId, Now, state, failure == null ? (run.StopRequested ? "Stopped by the user." : null) : run.Redact(failure)));
        await run.Writer.WriteAsync(changes).ConfigureAwait(false);
        return state;
    }

    /// <summary>The run is left unfinished, as a kill would leave it; if asked to, this session lets it go.</summary>
    private async Task<RunState> InterruptedAsync()
    {
        if (releaseOnInterrupt)
        {
            var running = slots.Values.Where(s => s.Dispatched && !s.State.IsFinal()).Select(s => s.Step.Name).ToList();
            var detail = (running.Count == 0 ? "The session ended." : $"The session ended while {string.Join(", ", running)} ran.")
                + " Resume-WorkflowRun, or the next session that opens this workflow home, carries the run on.";
            await run.Writer.WriteAsync(new RunInterrupted(run.RunId, Now, run.Owner, detail)).ConfigureAwait(false);
        }
        return RunState.Running;
    }

    private sealed class StepSlot
    {
        public StepSlot(StepDefinition step) => Step = step;

        public StepDefinition Step { get; }
        public StepState State { get; set; } = StepState.Pending;
        public bool Dispatched { get; set; }
        public int Attempt { get; set; }
        public JsonNode? Output { get; set; }
        public JsonNode?[]? Items { get; set; }
        public bool[]? ItemDone { get; set; }
        public List<StepSlot> Dependents { get; } = new();
        public int UnfinishedNeeds { get; set; }
    }
}

/// <summary>
/// What a worker reports for a task once its attempts are over. Interrupted: the engine closed
/// under the attempt; that is no outcome of the step, and nothing of it is recorded.
/// </summary>
internal sealed record TaskOutcome(string Step, int? Item, int Attempt, bool Succeeded, bool Cancelled, string? OutputJson, string? Error, bool Interrupted = false);
