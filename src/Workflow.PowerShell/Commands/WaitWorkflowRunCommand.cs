using System;
using System.Management.Automation;
using System.Threading;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Waits until runs end, showing progress, and emits them; a run that ended Failed or Cancelled is
/// also a non-terminating error (WorkflowRunFailed, WorkflowRunCancelled) naming the step and its error.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "WorkflowRun")]
[OutputType(typeof(WorkflowRun))]
public sealed class WaitWorkflowRunCommand : AwsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [RunIdTransformation]
    public string[] RunId { get; set; } = Array.Empty<string>();

    /// <summary>Seconds to wait at most; past it the run is left going and an OperationTimeout error is written.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; } = -1;

    protected override void ProcessRecord()
    {
        foreach (var id in RunId)
        {
            ForItem(() =>
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
                if (Timeout > 0) limit.CancelAfter(TimeSpan.FromSeconds(Timeout));
                try
                {
                    WriteWaitedRun(WaitFor((progress, _) => Engine.WaitAsync(id, limit.Token, progress, Access)));
                }
                catch (OperationCanceledException) when (!Cancellation.IsCancellationRequested)
                {
                    throw new WorkflowException(WorkflowErrors.WorkflowRunWaitTimeout,
                        $"Run '{id}' did not end within {Timeout} s; it is still going. Wait again, or stop it with Stop-WorkflowRun.", id);
                }
            });
        }
    }
}
