using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Removes a published workflow, its package and its runs; from each AWS region it is deployed to,
/// its task queue, dead-letter queue, package and deployment record (-WhatIf lists them).
/// </summary>
[Cmdlet(VerbsCommon.Remove, "Workflow", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WorkflowInfo))]
public sealed class RemoveWorkflowCommand : AwsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string[] WorkflowId { get; set; } = System.Array.Empty<string>();

    /// <summary>Emits the removed workflow.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in WorkflowId)
        {
            ForItem(() =>
            {
                var info = Engine.Catalog.Get(id);
                Engine.Catalog.EnsureRemovable(id); // before any region is torn down
                foreach (var deployment in Deployments(id))
                {
                    using var region = OpenRegion(deployment.Region, deployment.Bucket);
                    var plan = region.RemovalPlanAsync(id, Cancellation).GetAwaiter().GetResult();
                    if (!ShouldProcess(string.Join("; ", plan), $"Remove {id} from {deployment.Region}")) continue;
                    region.RemoveAsync(id, Cancellation).GetAwaiter().GetResult();
                    Engine.Store.RemoveDeployment(id, deployment.Region);
                }
                var runs = Engine.GetRuns(id).Count;
                if (!ShouldProcess(id, $"Remove workflow and its {runs} run(s)")) return;
                Engine.Catalog.RemoveAsync(id).GetAwaiter().GetResult();
                if (PassThru) WriteObject(info);
            });
        }
    }
}
