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
            catch (Exception e) when (!IsPowerShellFlow(e))
            {
                ThrowTerminatingError(ToErrorRecord(e));
                throw;
            }
        }
    }

    /// <summary>Cancelled by Ctrl+C or Stop-Job (StopProcessing).</summary>
    protected CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>Cancels <see cref="Cancellation"/> as Ctrl+C does, but leaves the pipeline going: the cmdlet ends as it chooses.</summary>
    protected void CancelWork() => stopping.Cancel();

    /// <summary>
    /// The ErrorRecord for a failure: a WorkflowException keeps its id and kind; any other exception
    /// becomes WorkflowUnexpectedError, the exception itself kept so $_.Exception is what was thrown.
    /// </summary>
    internal static ErrorRecord ToErrorRecord(Exception e)
    {
        if (e is WorkflowException failure) return new ErrorRecord(failure, failure.ErrorId, Category(failure.Kind), failure.Target);
        var unexpected = WorkflowErrors.WorkflowUnexpectedError;
        var category = e switch
        {
            UnauthorizedAccessException => ErrorCategory.PermissionDenied,
            TimeoutException => ErrorCategory.OperationTimeout,
            _ => Category(unexpected.Kind), // an IOException could be a read or a write: it says which in its message
        };
        return new ErrorRecord(e, unexpected.Id, category, null)
        {
            ErrorDetails = new ErrorDetails($"{e.GetType().FullName}: {e.Message.TrimEnd().TrimEnd('.')}. The module did not expect this failure; if it happens again, report it with $Error[0].Exception.ToString()."),
        };
    }

    // A new FailureKind without a category here is CS8509, an error under -warnaserror. CS8524 (a value
    // outside the enum's names) is not: Core only ever uses the named kinds.
#pragma warning disable CS8524
    /// <summary>The ErrorCategory of each FailureKind, spelled out so that a new kind must be given one.</summary>
    internal static ErrorCategory Category(FailureKind kind) => kind switch
    {
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.InvalidData => ErrorCategory.InvalidData,
        FailureKind.InvalidResult => ErrorCategory.InvalidResult,
        FailureKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        FailureKind.ResourceExists => ErrorCategory.ResourceExists,
        FailureKind.InvalidOperation => ErrorCategory.InvalidOperation,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureKind.ReadError => ErrorCategory.ReadError,
        FailureKind.WriteError => ErrorCategory.WriteError,
        FailureKind.OperationTimeout => ErrorCategory.OperationTimeout,
        FailureKind.OperationStopped => ErrorCategory.OperationStopped,
        FailureKind.ConnectionError => ErrorCategory.ConnectionError,
        FailureKind.NotImplemented => ErrorCategory.NotImplemented,
    };
#pragma warning restore CS8524

    /// <summary>
    /// What a cmdlet lets pass rather than turn into an ErrorRecord: cancellation (Ctrl+C, a stopped
    /// wait) and PowerShell's own exceptions, which carry its flow: the pipeline stopping,
    /// ThrowTerminatingError, -ErrorAction Stop, Select-Object -First ending the pipeline early.
    /// </summary>
    internal static bool IsPowerShellFlow(Exception e) =>
        e is OperationCanceledException || e.GetType().Assembly == typeof(PSCmdlet).Assembly;

    /// <summary>
    /// Runs an action for one item; a failure becomes a non-terminating error for that item, with its
    /// WorkflowException's id or, for any other exception, WorkflowUnexpectedError.
    /// </summary>
    protected void ForItem(Action action)
    {
        try
        {
            action();
        }
        catch (WorkflowException e) when (StopsTheCmdlet(e))
        {
            ThrowTerminatingError(ToErrorRecord(e));
        }
        catch (Exception e) when (!IsPowerShellFlow(e))
        {
            WriteError(ToErrorRecord(e));
        }
    }

    /// <summary>A failure that every item would meet alike (the call's own parameters are wrong): it ends the cmdlet.</summary>
    protected virtual bool StopsTheCmdlet(WorkflowException e) => false;

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
    /// The one way a cmdlet waits on Core: the call runs on the pool with the cmdlet's cancellation
    /// (Ctrl+C, Stop-Job) while this, the pipeline thread, writes the progress it reports every
    /// 200 ms. Progress and errors are written here only: a cmdlet may not write from other threads.
    /// </summary>
    protected T WaitFor<T>(Func<IProgress<RunProgress>, CancellationToken, Task<T>> call) => WaitFor(call, ToProgressRecord);

    /// <summary>Waits on a Core call that reports progress of its own kind, written as <paramref name="toRecord"/> makes it (see the overload).</summary>
    protected T WaitFor<TProgress, T>(Func<IProgress<TProgress>, CancellationToken, Task<T>> call, Func<TProgress, ProgressRecord> toRecord)
        where TProgress : class
    {
        var progress = new LatestProgress<TProgress>();
        var task = Task.Run(() => call(progress, Cancellation));
        while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(200))
        {
            if (progress.Take() is { } record) WriteProgress(toRecord(record));
        }
        if (progress.Last is { } last)
        {
            var done = toRecord(last);
            done.RecordType = ProgressRecordType.Completed;
            WriteProgress(done);
        }
        return task.GetAwaiter().GetResult(); // rethrows the task's own exception, not an AggregateException
    }

    /// <summary>Waits on a Core call that reports no progress (see the overload).</summary>
    protected T WaitFor<T>(Func<CancellationToken, Task<T>> call) => WaitFor((_, token) => call(token));

    /// <summary>Waits on a Core call that returns nothing (see the overload).</summary>
    protected void WaitFor(Func<CancellationToken, Task> call) => WaitFor<bool>(async (_, token) =>
    {
        await call(token).ConfigureAwait(false);
        return true;
    });

    private static ProgressRecord ToProgressRecord(RunProgress progress) =>
        new(1, $"Run {progress.RunId} of {progress.WorkflowId}" + (progress.Where == "local" ? "" : $" in {progress.Where}"),
            $"{progress.State}: {progress.Done} of {progress.Total} steps done")
        {
            PercentComplete = progress.PercentComplete,
        };

    /// <summary>Keeps the latest progress a Core call reported, for the pipeline thread to write.</summary>
    private sealed class LatestProgress<TProgress> : IProgress<TProgress>
        where TProgress : class
    {
        private TProgress? pending;

        public TProgress? Last { get; private set; }

        public void Report(TProgress value)
        {
            Last = value;
            Volatile.Write(ref pending, value);
        }

        public TProgress? Take() => Interlocked.Exchange(ref pending, null);
    }
}
