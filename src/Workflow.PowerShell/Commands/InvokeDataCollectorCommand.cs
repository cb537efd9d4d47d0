using System.Management.Automation;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Collects what carbon-aware placement needs (Caribou's <c>data_collect</c>) into the run store and
/// emits it: region facts, hourly carbon intensity, latencies between regions, step profiles. What
/// could not be collected (a region without carbon data) is a warning.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DataCollector")]
[OutputType(typeof(RegionFacts), typeof(CarbonIntensity), typeof(RegionLatency), typeof(StepProfile))]
public sealed class InvokeDataCollectorCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public DataCollector Collector { get; set; }

    /// <summary>The workflow whose run history the workflow collector reads (and All, when given).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string? WorkflowId { get; set; }

    /// <summary>Only these regions (default: every region of the bundled data).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string[]? Region { get; set; }

    /// <summary>A file to import: an Electricity Maps export (carbon) or a latency table (performance).</summary>
    [Parameter]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var path = Path == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        ForItem(() =>
        {
            var result = WaitFor<CollectionProgress, CollectionResult>(
                (progress, token) => Engine.Placement.CollectAsync(Collector, WorkflowId, Region, path, progress, token),
                p => new ProgressRecord(2, "Invoke-DataCollector " + p.Collector, $"{p.Item} ({p.Done + 1} of {p.Total})") { PercentComplete = p.PercentComplete });
            foreach (var message in result.Messages) WriteWarning(message);
            WriteObject(result.Records, enumerateCollection: true);
        });
    }

    // Every failure of a collection comes from its own arguments (a bad file, a region, a workflow): it ends the cmdlet.
    protected override bool StopsTheCmdlet(WorkflowException e) => true;
}
