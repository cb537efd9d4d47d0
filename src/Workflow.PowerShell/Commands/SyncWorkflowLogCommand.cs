using System.Linq;
using System.Management.Automation;
using Workflow.Distributed;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Copies the state history and logs of runs carried on in AWS regions into the local store, so
/// Get-WorkflowRun and Get-WorkflowLog report on them; a second call fetches only what is new.
/// </summary>
[Cmdlet(VerbsData.Sync, "WorkflowLog")]
[OutputType(typeof(SyncSummary))]
public sealed class SyncWorkflowLogCommand : AwsCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string[]? WorkflowId { get; set; }

    /// <summary>Only this region's runs (default: every region the workflows are deployed to).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string? Region { get; set; }

    protected override void ProcessRecord()
    {
        var deployments = DeploymentsOf(WorkflowId, Region).ToList();
        var index = 0;
        foreach (var deployment in deployments)
        {
            ForItem(() =>
            {
                WriteProgress(new ProgressRecord(1, "Sync-WorkflowLog", $"{deployment.WorkflowId} in {deployment.Region}") { PercentComplete = index++ * 100 / deployments.Count });
                WriteObject(WaitFor(token => Engine.Regions.SyncAsync(deployment, Access, null, token)));
            });
        }
    }
}
