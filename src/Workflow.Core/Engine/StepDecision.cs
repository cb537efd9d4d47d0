using System.Collections.Generic;
using System.Text.Json.Nodes;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>What happens to a step whose needs have reached the given states.</summary>
public enum StepVerdict
{
    /// <summary>Some need is not final yet.</summary>
    Wait,
    /// <summary>One task, with <see cref="StepPlan.Input"/>.</summary>
    Run,
    /// <summary>Every need was Skipped, or the step's <c>if</c> is false.</summary>
    Skip,
    /// <summary>A need Failed or was Cancelled; the caller says why in its own words.</summary>
    Cancel,
    /// <summary>One task per item of <see cref="StepPlan.Items"/> (at least one), all sharing <see cref="StepPlan.Input"/>.</summary>
    RunItems,
    /// <summary>The foreach array is empty: the step Succeeded at once with output <c>[]</c>.</summary>
    Succeed,
    /// <summary>The step Failed before it ran: <see cref="StepPlan.Error"/> says why (its ErrorId, e.g. ForeachNotArray).</summary>
    Fail,
}

/// <summary>The whole decision for a step: its verdict and what the verdict needs to be carried out.</summary>
public sealed class StepPlan
{
    internal static readonly StepPlan Wait = new(StepVerdict.Wait);
    internal static readonly StepPlan Skip = new(StepVerdict.Skip);
    internal static readonly StepPlan Cancel = new(StepVerdict.Cancel);

    private StepPlan(StepVerdict verdict, SharedInput? input = null, JsonArray? items = null, WorkflowException? error = null)
    {
        Verdict = verdict;
        Input = input;
        Items = items;
        Error = error;
    }

    public StepVerdict Verdict { get; }

    /// <summary>Run and RunItems: the input document's input and steps, shared by every item.</summary>
    public SharedInput? Input { get; }

    /// <summary>RunItems: the foreach array, in item order; Succeed: the empty array.</summary>
    public JsonArray? Items { get; }

    /// <summary>Fail: why, with its ErrorId.</summary>
    public WorkflowException? Error { get; }

    internal static StepPlan Run(SharedInput input) => new(StepVerdict.Run, input);

    internal static StepPlan RunItems(SharedInput input, JsonArray items) => new(StepVerdict.RunItems, input, items);

    internal static StepPlan Succeed(JsonArray empty) => new(StepVerdict.Succeed, items: empty);

    internal static StepPlan Fail(WorkflowException error) => new(StepVerdict.Fail, error: error);
}

/// <summary>
/// The rules of DESIGN §3, kept pure so the local scheduler and the region coordinator decide alike:
/// a Failed or Cancelled need cancels; every need Skipped, or a false <c>if</c>, skips; a foreach
/// step runs its items, succeeds with <c>[]</c> on none, and fails on anything but an array.
/// </summary>
public static class StepDecision
{
    /// <summary>
    /// Decides the step. <paramref name="states"/> holds at least the states of its needs;
    /// <paramref name="scope"/> the run input and the outputs of every Succeeded step it needs,
    /// directly or not (its <c>if</c> and <c>foreach</c> read them; its input document holds its direct needs').
    /// </summary>
    public static StepPlan Decide(StepDefinition step, IReadOnlyDictionary<string, StepState> states, ExpressionScope scope)
    {
        switch (Readiness(step, states))
        {
            case StepVerdict.Wait: return StepPlan.Wait;
            case StepVerdict.Skip: return StepPlan.Skip;
            case StepVerdict.Cancel: return StepPlan.Cancel;
        }
        try
        {
            if (step.If != null && !WorkflowExpression.Parse(step.If).IsTrue(scope))
            {
                return StepPlan.Skip;
            }
            if (step.Foreach == null)
            {
                return StepPlan.Run(Input(step, scope));
            }
            var items = WorkflowExpression.Parse(step.Foreach).Evaluate(scope) as JsonArray;
            if (items == null)
            {
                return StepPlan.Fail(new WorkflowException(WorkflowErrors.ForeachNotArray,
                    $"foreach '{step.Foreach}' did not give an array. Make the expression read an array output."));
            }
            return items.Count == 0 ? StepPlan.Succeed(items) : StepPlan.RunItems(Input(step, scope), items);
        }
        catch (WorkflowException e)
        {
            return StepPlan.Fail(e);
        }
    }

    /// <summary>
    /// The first part of <see cref="Decide"/>, from the needs' states alone: Wait, Cancel, Skip or
    /// Run (subject to <c>if</c> and <c>foreach</c>). A caller whose outputs cost a request to read
    /// asks this first, and reads them only for Run.
    /// </summary>
    public static StepVerdict Readiness(StepDefinition step, IReadOnlyDictionary<string, StepState> states)
    {
        if (step.Needs.Count == 0)
        {
            return StepVerdict.Run;
        }
        // Ready only once every need is final, whatever their order; then a failure wins over skips.
        foreach (var need in step.Needs)
        {
            if (!states[need].IsFinal())
            {
                return StepVerdict.Wait;
            }
        }
        var allSkipped = true;
        foreach (var need in step.Needs)
        {
            var state = states[need];
            if (state == StepState.Failed || state == StepState.Cancelled)
            {
                return StepVerdict.Cancel;
            }
            allSkipped &= state == StepState.Skipped;
        }
        return allSkipped ? StepVerdict.Skip : StepVerdict.Run;
    }

    /// <summary>The input document's input and steps: each direct need's output, null for a Skipped need.</summary>
    private static SharedInput Input(StepDefinition step, ExpressionScope scope)
    {
        var needOutputs = new List<KeyValuePair<string, JsonNode?>>(step.Needs.Count);
        foreach (var need in step.Needs)
        {
            needOutputs.Add(new(need, scope.StepOutputs.TryGetValue(need, out var output) ? output : null));
        }
        return SharedInput.Of(scope.Input, needOutputs);
    }
}
