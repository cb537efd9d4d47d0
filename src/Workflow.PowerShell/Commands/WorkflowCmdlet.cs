using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>What every cmdlet of the module shares: the engine, errors as ErrorRecords, waiting with progress.</summary>
public abstract class WorkflowCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>The engine of $env:WORKFLOW_HOME; a store that cannot be opened stops the cmdlet.</summary>
    internal WorkflowEngine Engine
    {
        get
        {
            try
            {
                return ModuleState.Engine;
            }
            catch (WorkflowException e)
            {
                ThrowTerminatingError(ToErrorRecord(e));
                throw;
            }
        }
    }

    /// <summary>Cancelled by Ctrl+C or Stop-Job (StopProcessing).</summary>
    protected CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    internal static ErrorRecord ToErrorRecord(WorkflowException e)
    {
        var category = Enum.TryParse<ErrorCategory>(e.Kind.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
        return new ErrorRecord(e, e.ErrorId, category, e.Target);
    }

    /// <summary>Runs an action for one item; a WorkflowException becomes a non-terminating error for that item.</summary>
    protected void ForItem(Action action)
    {
        try
        {
            action();
        }
        catch (WorkflowException e)
        {
            WriteError(ToErrorRecord(e));
        }
    }

    protected void Fail(WorkflowException e) => ThrowTerminatingError(ToErrorRecord(e));

    /// <summary>
    /// Emits a run that was waited on; one that ended Failed or Cancelled is also a non-terminating
    /// error (WorkflowRunFailed, WorkflowRunCancelled), so $? is false and -ErrorAction Stop throws.
    /// </summary>
    protected void WriteWaitedRun(WorkflowRun run)
    {
        WriteObject(run);
        if (RunErrors.Unsuccessful(run) is { } failure) WriteError(ToErrorRecord(failure));
    }

    /// <summary>
    /// Waits on Core's task from the pipeline thread, writing progress every 200 ms; Ctrl+C cancels.
    /// Progress and errors are written here only: a cmdlet may not write from other threads.
    /// </summary>
    protected T Wait<T>(Task<T> task, Func<ProgressRecord?>? progress = null)
    {
        while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(200))
        {
            if (progress?.Invoke() is { } record) WriteProgress(record);
        }
        if (progress?.Invoke() is { } last)
        {
            last.RecordType = ProgressRecordType.Completed;
            WriteProgress(last);
        }
        return task.GetAwaiter().GetResult(); // rethrows the task's own exception, not an AggregateException
    }

    /// <summary>Progress of a run: steps final out of all steps.</summary>
    protected ProgressRecord RunProgress(string runId, int activityId = 1)
    {
        var run = Engine.GetRun(runId);
        var done = 0;
        foreach (var step in run.Steps) if (step.State.IsFinal()) done++;
        var total = Math.Max(1, run.Steps.Count);
        return new ProgressRecord(activityId, $"Run {run.RunId} of {run.WorkflowId}", $"{run.State}: {done} of {run.Steps.Count} steps done")
        {
            PercentComplete = done * 100 / total,
        };
    }
}
