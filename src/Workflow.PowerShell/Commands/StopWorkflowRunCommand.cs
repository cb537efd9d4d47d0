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
                if (current.State.IsFinal()) throw Workflow.Engine.RunErrors.Finished(current, "stop");
                if (Workflow.Engine.RunOwner.IsRemote(current.Owner))
                {
                    if (!ShouldProcess(id, $"Stop run in {current.Owner}")) return;
                    var stopped = StopRemote(current);
                    if (PassThru) WriteObject(stopped);
                    return;
                }
                if (!ShouldProcess(id, "Stop run")) return;
                var run = Wait(Engine.StopAsync(id, Cancellation), () => RunProgress(id));
                if (PassThru) WriteObject(run);
            });
        }
    }

    /// <summary>Writes the run's halt to its bucket, then waits up to 10 s for its workers to end it.</summary>
    private WorkflowRun StopRemote(WorkflowRun run)
    {
        var deployment = Deployment(run.WorkflowId, run.Owner!);
        using (var region = OpenRegion(deployment.Region, deployment.Bucket))
        {
            region.Coordinator(PackageCacheFolder, "session").StopAsync(run.WorkflowId, run.RunId, Cancellation).GetAwaiter().GetResult();
        }
        using var limit = System.Threading.CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            return WaitRemote(run, limit.Token);
        }
        catch (OperationCanceledException) when (!Cancellation.IsCancellationRequested)
        {
            WriteWarning($"Run {run.RunId} is marked stopped in {run.Owner}; its workers cancel its remaining steps as they take them (none has in 10 s: are workers running?). Wait-WorkflowRun shows when it ends.");
            return Engine.GetRun(run.RunId);
        }
    }
}
