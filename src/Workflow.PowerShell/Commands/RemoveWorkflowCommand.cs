using System.Linq;
using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Removes a published workflow, its package and its runs; from each AWS region it is deployed to,
/// its task queue, dead-letter queue, package and deployment record (-WhatIf lists them). High
/// impact: it asks first unless -Force or -Confirm:$false.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "Workflow", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ById)]
[OutputType(typeof(WorkflowInfo))]
public sealed class RemoveWorkflowCommand : AwsCmdlet
{
    private const string ById = "WorkflowId";
    private const string ByObject = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string[] WorkflowId { get; set; } = System.Array.Empty<string>();

    /// <summary>Workflows as Get-Workflow and Publish-Workflow emit them.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    public WorkflowInfo[] InputObject { get; set; } = System.Array.Empty<WorkflowInfo>();

    /// <summary>Removes without asking, as AWS.Tools' -Force does; -WhatIf still only lists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Emits the removed workflow.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var ids = ParameterSetName == ByObject ? InputObject.Select(w => w.WorkflowId) : WorkflowId;
        foreach (var id in ids)
        {
            ForItem(() =>
            {
                var info = Engine.Catalog.Get(id);
                Engine.Catalog.EnsureRemovable(id); // before any region is torn down
                foreach (var deployment in Engine.Regions.Deployments(id))
                {
                    var plan = WaitFor(token => Engine.Regions.RemovalPlanAsync(deployment, Access, token));
                    if (!Proceed(string.Join("; ", plan), $"Remove {id} from {deployment.Region}")) continue;
                    WaitFor(token => Engine.Regions.RemoveAsync(deployment, Access, token));
                }
                var runs = Engine.GetRuns(id).Count;
                if (!Proceed(id, $"Remove workflow and its {runs} run(s)")) return;
                WaitFor(token => Engine.Catalog.RemoveAsync(id, token));
                if (PassThru) WriteObject(info);
            });
        }
    }

    /// <summary>-WhatIf always only lists; otherwise -Force goes ahead without asking, as AWS.Tools' ConfirmShouldProceed.</summary>
    private bool Proceed(string target, string action)
    {
        var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)
            ? ((SwitchParameter)bound).IsPresent
            : LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
        return (Force && !whatIf) || ShouldProcess(target, action);
    }
}
