using System;
using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Carries on runs whose session ended: finished steps keep their outputs, the rest run. A run that
/// has already ended is an error (WorkflowRunAlreadyFinished); with -Wait, so is one that ends badly.
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "WorkflowRun", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowRun))]
public sealed class ResumeWorkflowRunCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [RunIdTransformation]
    public string[] RunId { get; set; } = Array.Empty<string>();

    /// <summary>Waits for the resumed run to end, showing progress; a run that ends Failed or Cancelled is also an error.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in RunId)
        {
            ForItem(() =>
            {
                var current = Engine.GetRun(id);
                if (current.State.IsFinal()) throw Workflow.Engine.RunErrors.Finished(current, "resume");
                if (!ShouldProcess(id, "Resume run")) return;
                var run = Engine.Resume(id);
                if (Wait) WriteWaitedRun(WaitFor((progress, token) => Engine.WaitAsync(id, token, progress)));
                else WriteObject(run);
            });
        }
    }
}
