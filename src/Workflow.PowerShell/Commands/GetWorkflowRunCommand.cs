using System.Linq;
using System.Management.Automation;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Lists runs, newest first: all, of a workflow, or by run id (a region's run that has not ended is synced from its bucket first).</summary>
// No parameter sets: a piped WorkflowRun binds RunId and WorkflowId both, and RunId must win.
[Cmdlet(VerbsCommon.Get, "WorkflowRun")]
[OutputType(typeof(WorkflowRun))]
public sealed class GetWorkflowRunCommand : WorkflowCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [RunIdTransformation]
    public string[]? RunId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string? WorkflowId { get; set; }

    /// <summary>Only runs in these states.</summary>
    [Parameter]
    public RunState[]? State { get; set; }

    /// <summary>At most this many runs.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    protected override void ProcessRecord()
    {
        if (RunId != null)
        {
            foreach (var id in RunId) ForItem(() => WriteObject(WaitFor(token => Engine.GetRunAsync(id, token))));
            return;
        }
        if (WorkflowId != null)
        {
            try
            {
                Engine.Catalog.Get(WorkflowId);
            }
            catch (WorkflowException e)
            {
                WriteError(ToErrorRecord(e));
                return;
            }
        }
        var runs = Engine.GetRuns(WorkflowId).Where(r => State == null || State.Contains(r.State)).Take(First);
        WriteObject(runs, enumerateCollection: true);
    }
}
