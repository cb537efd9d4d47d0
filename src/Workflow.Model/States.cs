namespace Workflow.Model;

/// <summary>The state of a whole run: Queued → Running → Succeeded | Failed | Cancelled.</summary>
public enum RunState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>The state of one step in a run: Pending → Running → Succeeded | Failed | Skipped | Cancelled.</summary>
public enum StepState
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}

public static class StateExtensions
{
    public static bool IsFinal(this RunState state) => state >= RunState.Succeeded;

    public static bool IsFinal(this StepState state) => state >= StepState.Succeeded;
}
