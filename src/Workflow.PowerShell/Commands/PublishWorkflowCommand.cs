using System.Management.Automation;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Validates and publishes a workflow folder to the embedded local provider.</summary>
[Cmdlet(VerbsData.Publish, "Workflow", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowInfo))]
public sealed class PublishWorkflowCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    /// <summary>Replaces a published workflow of the same name and version whose content differs.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() => ForItem(() =>
    {
        var (definition, folder, hash) = WorkflowCatalog.Read(GetUnresolvedProviderPathFromPSPath(Path));
        if (!ShouldProcess(definition.WorkflowId, $"Publish {folder} ({hash}) to local")) return;
        WriteObject(Engine.Catalog.PublishAsync(folder, Force).GetAwaiter().GetResult());
    });
}
