using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Removes a published workflow, its package and its runs.</summary>
[Cmdlet(VerbsCommon.Remove, "Workflow", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WorkflowInfo))]
public sealed class RemoveWorkflowCommand : WorkflowCmdlet
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
                var runs = Engine.GetRuns(id).Count;
                if (!ShouldProcess(id, $"Remove workflow and its {runs} run(s)")) return;
                Engine.Catalog.RemoveAsync(id).GetAwaiter().GetResult();
                if (PassThru) WriteObject(info);
            });
        }
    }
}
