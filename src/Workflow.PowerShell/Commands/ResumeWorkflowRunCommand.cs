using System;
using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Carries on runs whose session ended: finished steps keep their outputs, the rest run.</summary>
[Cmdlet(VerbsLifecycle.Resume, "WorkflowRun", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowRun))]
public sealed class ResumeWorkflowRunCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string[] RunId { get; set; } = Array.Empty<string>();

    /// <summary>Waits for the resumed run to end, showing progress.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in RunId)
        {
            ForItem(() =>
            {
                Engine.GetRun(id);
                if (!ShouldProcess(id, "Resume run")) return;
                var run = Engine.Resume(id);
                if (Wait) run = Wait(Engine.WaitAsync(id, Cancellation), () => RunProgress(id));
                WriteObject(run);
            });
        }
    }
}
