using System.Management.Automation;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Checks a workflow folder (or workflow.yml) and its PowerShell step scripts, and emits one diagnostic
/// per problem, with file, line and column. A folder that is not there is an ObjectNotFound error.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "Workflow")]
[OutputType(typeof(WorkflowDiagnostic), typeof(bool))]
public sealed class TestWorkflowCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "SourcePath")]
    public string Path { get; set; } = "";

    /// <summary>Returns $true when the workflow is valid, $false otherwise, instead of the diagnostics.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        WorkflowLoadResult result;
        try
        {
            result = WorkflowReader.Load(GetUnresolvedProviderPathFromPSPath(Path), PowerShellScriptChecker.Instance);
        }
        catch (WorkflowException e)
        {
            // -Quiet answers the question (is this a valid workflow?) and nothing else.
            if (Quiet) WriteObject(false);
            else WriteError(ToErrorRecord(e));
            return;
        }
        if (Quiet)
        {
            WriteObject(!result.HasErrors);
            return;
        }
        foreach (var diagnostic in result.Diagnostics) WriteObject(diagnostic);
    }
}
