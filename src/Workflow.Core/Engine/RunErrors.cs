using System.Linq;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>
/// What the run cmdlets say about a run that ended badly or is asked to change after it ended: stable
/// ErrorIds, messages that name the run, the step that failed and what to do next.
/// </summary>
public static class RunErrors
{
    /// <summary>
    /// Why a final run did not succeed (ErrorId WorkflowRunFailed or WorkflowRunCancelled, the run as
    /// target), or null when it succeeded or has not ended. A runbook that waits on a run reports this
    /// so that the run's failure is the script's failure.
    /// </summary>
    public static WorkflowException? Unsuccessful(WorkflowRun run)
    {
        switch (run.State)
        {
            case RunState.Failed:
                // The step that failed first is the one that failed the run; the others were cancelled by it.
                var step = run.Steps.Where(s => s.State == StepState.Failed).OrderBy(s => s.EndedAt).FirstOrDefault();
                var message = step == null
                    ? $"Run '{run.RunId}' of {run.WorkflowId} failed: {Sentence(run.Error)} Read its log with Get-WorkflowLog -RunId {run.RunId}."
                    : $"Run '{run.RunId}' of {run.WorkflowId} failed at step '{step.Step}': {Sentence(step.Error)} Read the step's log with Get-WorkflowLog -RunId {run.RunId} -Step {step.Step}, fix it, and start the run again.";
                return new WorkflowException(WorkflowErrors.WorkflowRunFailed, message, run);
            case RunState.Cancelled:
                return new WorkflowException(WorkflowErrors.WorkflowRunCancelled,
                    $"Run '{run.RunId}' of {run.WorkflowId} was cancelled: {Sentence(run.Error ?? "it was stopped.")} Its steps that finished are in Get-WorkflowRun -RunId {run.RunId}; start a new run with Start-WorkflowRun {run.WorkflowId}.",
                    run);
            default:
                return null;
        }
    }

    /// <summary>Stop-WorkflowRun or Resume-WorkflowRun on a run that has ended: nothing to do, and the user should know.</summary>
    public static WorkflowException Finished(WorkflowRun run, string verb) =>
        new(WorkflowErrors.WorkflowRunAlreadyFinished,
            $"Run '{run.RunId}' already ended {run.State}{(run.EndedAt is { } ended ? $" at {ended.ToUniversalTime():u}" : "")}; there is nothing to {verb}. Start a new run with Start-WorkflowRun {run.WorkflowId}.",
            run);

    /// <summary>A region's run that was marked stopped but has not ended within the stop's grace period.</summary>
    public static string StopPending(WorkflowRun run, System.TimeSpan grace) =>
        $"Run {run.RunId} is marked stopped in {run.Owner}; its workers cancel its remaining steps as they take them (none has in {grace.TotalSeconds:0} s: are workers running?). Wait-WorkflowRun shows when it ends.";

    private static string Sentence(string? text)
    {
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0) return "no reason was recorded.";
        return trimmed.EndsWith(".", System.StringComparison.Ordinal) ? trimmed : trimmed + ".";
    }
}
