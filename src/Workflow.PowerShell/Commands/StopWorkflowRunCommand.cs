using System;
using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Stops runs: running steps are cancelled (pipelines stopped, processes killed), the rest never start.</summary>
[Cmdlet(VerbsLifecycle.Stop, "WorkflowRun", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowRun))]
public sealed class StopWorkflowRunCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string[] RunId { get; set; } = Array.Empty<string>();

    /// <summary>Emits the stopped run.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in RunId)
        {
            ForItem(() =>
            {
                Engine.GetRun(id);
                if (!ShouldProcess(id, "Stop run")) return;
                var run = Wait(Engine.StopAsync(id, Cancellation), () => RunProgress(id));
                if (PassThru) WriteObject(run);
            });
        }
    }
}
