using Workflow.Model;

namespace Workflow.Engine;

/// <summary>How far a run is, as a wait reports it: steps final out of all, and where the run is carried on.</summary>
public sealed record RunProgress(string RunId, string WorkflowId, string Where, RunState State, int Done, int Total)
{
    public int PercentComplete => Total <= 0 ? 0 : System.Math.Min(100, Done * 100 / Total);

    /// <summary>How far the run is as the store has it: steps final out of all.</summary>
    public static RunProgress Of(WorkflowRun run, string where) =>
        new(run.RunId, run.WorkflowId, where, run.State, System.Linq.Enumerable.Count(run.Steps, s => s.State.IsFinal()), run.Steps.Count);
}
