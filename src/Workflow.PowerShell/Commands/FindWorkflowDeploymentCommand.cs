using System;
using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Plans where each step of a workflow runs for each hour of the day (Caribou's deployment solver):
/// the least carbon within the workflow's hard and soft constraints and priority, against the
/// all-at-home plan, from the data Invoke-DataCollector collected. Pipe the plans to Move-WorkflowDeployment.
/// </summary>
[Cmdlet(VerbsCommon.Find, "WorkflowDeployment")]
[OutputType(typeof(DeploymentPlan))]
public sealed class FindWorkflowDeploymentCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string WorkflowId { get; set; } = "";

    /// <summary>The hours of the day (0..23, UTC) to plan; default all 24.</summary>
    [Parameter]
    [ValidateRange(0, 23)]
    public int[]? Hour { get; set; }

    /// <summary>Default (local search), Exhaustive (every plan, exact, up to a limit) or Coarse (each one-region plan).</summary>
    [Parameter]
    public PlacementAlgorithm Algorithm { get; set; } = PlacementAlgorithm.Default;

    /// <summary>How long Default may search; it returns the best plans found by then, saying so in Assumptions.</summary>
    [Parameter]
    public TimeSpan? TimeBudget { get; set; }

    protected override void ProcessRecord() => ForItem(() =>
    {
        var total = Hour is { Length: > 0 } ? Hour.Length : 24;
        var plans = WaitFor<HoursPlanned, System.Collections.Generic.IReadOnlyList<DeploymentPlan>>(
            (progress, token) => Engine.Placement.FindAsync(WorkflowId, Hour, Algorithm, TimeBudget, new Relay(progress), token),
            p => new ProgressRecord(3, $"Find-WorkflowDeployment {WorkflowId}", $"{p.Done} of {total} hourly plans ({Algorithm})") { PercentComplete = 100 * p.Done / total });
        WriteObject(plans, enumerateCollection: true);
    });

    /// <summary>An hour count as the reference-typed progress WaitFor takes.</summary>
    private sealed record HoursPlanned(int Done);

    private sealed class Relay : IProgress<int>
    {
        private readonly IProgress<HoursPlanned> target;

        public Relay(IProgress<HoursPlanned> target) => this.target = target;

        public void Report(int value) => target.Report(new HoursPlanned(value));
    }
}
