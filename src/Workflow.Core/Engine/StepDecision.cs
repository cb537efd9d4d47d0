using System.Collections.Generic;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>What happens to a step once every step it needs is final.</summary>
public enum StepVerdict
{
    /// <summary>Some need is not final yet.</summary>
    Wait,
    Run,
    Skip,
    Cancel,
}

/// <summary>
/// The readiness rule of DESIGN §3, kept pure so the local scheduler and remote workers share it:
/// a Failed or Cancelled need cancels; every need Skipped skips; otherwise the step runs (its
/// <c>if</c> is checked by the caller, which has the outputs).
/// </summary>
public static class StepDecision
{
    public static StepVerdict Decide(StepDefinition step, IReadOnlyDictionary<string, StepState> states)
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
}
