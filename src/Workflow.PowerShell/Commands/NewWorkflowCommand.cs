using System.IO;
using System.Management.Automation;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Scaffolds a workflow folder: workflow.yml, two PowerShell steps and a README.</summary>
[Cmdlet(VerbsCommon.New, "Workflow", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowDefinition))]
public sealed class NewWorkflowCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidatePattern("^[a-z][a-z0-9-]{0,39}$")]
    public string Name { get; set; } = "";

    /// <summary>The folder to create the workflow folder in; the current location by default.</summary>
    [Parameter(Position = 1)]
    public string? Path { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var parent = GetUnresolvedProviderPathFromPSPath(Path ?? SessionState.Path.CurrentFileSystemLocation.Path);
        var folder = System.IO.Path.Combine(parent, Name);
        if (Directory.Exists(folder) && Directory.GetFileSystemEntries(folder).Length > 0 && !Force)
        {
            Fail(new WorkflowException(WorkflowErrors.WorkflowFolderExists,
                $"Folder '{folder}' exists and is not empty. Choose another -Name or -Path, or use -Force to write over its scaffold files.", folder));
        }
        if (!ShouldProcess(folder, "Create workflow scaffold")) return;
        Scaffold.Write(folder, Name);
        WriteObject(WorkflowReader.Load(folder).EnsureValid());
    }
}
