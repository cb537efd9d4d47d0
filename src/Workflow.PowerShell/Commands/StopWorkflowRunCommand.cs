using System;
using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Stops runs: running steps are cancelled (pipelines stopped, processes killed), the rest never
/// start. A run in an AWS region is marked stopped in its bucket: its workers start none of its
/// remaining steps, and steps already running there finish. A run that has already ended is an
/// error of its own (WorkflowRunAlreadyFinished), not a silent no-op.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "WorkflowRun", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowRun))]
public sealed class StopWorkflowRunCommand : AwsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [RunIdTransformation]
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
                var current = Engine.GetRun(id);
                // Before asking: -WhatIf on a run that has ended says so rather than what it would do.
                if (current.State.IsFinal()) throw Workflow.Engine.RunErrors.Finished(current, "stop");
                var where = Engine.WhereOf(current);
                if (!ShouldProcess(id, where == "local" ? "Stop run" : $"Stop run in {where}")) return;
                var run = WaitFor((progress, token) => Engine.StopAsync(id, token, progress, Access));
                if (!run.State.IsFinal()) WriteWarning(Workflow.Engine.RunErrors.StopPending(run, Workflow.Distributed.RegionRuns.StopGrace));
                if (PassThru) WriteObject(run);
            });
        }
    }
}
