using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using Workflow.Distributed;
using Workflow.Executors;
using Workflow.Model;
using Workflow.PowerShell.Executors;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Runs the steps of the workflows deployed to an AWS region: takes their tasks from SQS, runs them
/// here, writes results to S3 and enqueues what became ready. Runs until Ctrl+C, Stop-Job, SIGTERM or -MaxTasks.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "WorkflowWorker")]
[OutputType(typeof(WorkerInfo))]
public sealed class StartWorkflowWorkerCommand : AwsCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string Region { get; set; } = "";

    /// <summary>Steps that run at once in this worker.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int Concurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Stop after this many tasks (default: run until stopped).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxTasks { get; set; }

    /// <summary>Take only these workflows' tasks (default: every workflow deployed to the region).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string[]? WorkflowId { get; set; }

    /// <summary>Seconds a task stays hidden from other workers; renewed while its step runs.</summary>
    [Parameter]
    [ValidateRange(5, 43200)]
    public int LeaseSeconds { get; set; } = 60;

    protected override void EndProcessing()
    {
        using var scripts = new PowerShellExecutor(Concurrency);
        using var containers = ModuleState.Containers();
        // The bucket this store published to in the region, unless -Bucket or $env:WORKFLOW_AWS_BUCKET says.
        var access = Access with { Bucket = Bucket ?? (Environment.GetEnvironmentVariable("WORKFLOW_AWS_BUCKET") is { Length: > 0 } named ? named : null) };
        var options = new RemoteWorkerOptions
        {
            Concurrency = Concurrency,
            MaxTasks = MaxTasks,
            Lease = TimeSpan.FromSeconds(LeaseSeconds),
            WorkFolder = Path.Combine(Engine.Home, "work"),
        };
        // SIGTERM (docker stop) stops the worker as Ctrl+C does, and the cmdlet still emits its counts.
        using var terminate = TerminationSignal.Register(CancelWork);
        RegionWorker opened;
        try
        {
            opened = WaitFor(token => Engine.Regions.OpenWorkerAsync(Region, access, WorkflowId, new IStepExecutor[] { scripts, new CommandExecutor(), containers }, options, token));
        }
        catch (WorkflowException e)
        {
            Fail(e);
            throw;
        }
        catch (OperationCanceledException) when (terminate.Received)
        {
            return; // terminated before taking a task: nothing to report
        }
        using var region = opened;
        var worker = region.Worker;
        WriteVerbose($"Worker {worker.WorkerId} takes tasks of {region.Region} (bucket {region.Bucket}) with {Concurrency} lanes.");
        var events = new BlockingCollection<WorkerEvent>();
        var running = Task.Run(() =>
        {
            try
            {
                return worker.Run(events.Add, Cancellation);
            }
            finally
            {
                events.CompleteAdding();
            }
        });
        int handled = 0;
        try
        {
            // Verbose lines, warnings and progress are written here, on the pipeline thread.
            foreach (var e in events.GetConsumingEnumerable())
            {
                if (e.Warning != null)
                {
                    WriteWarning(e.Warning);
                    continue;
                }
                handled++;
                WriteVerbose($"{e.Task!.WorkflowId} run {e.Task.RunId} step {RemoteWorker.Describe(e.Task)}: {e.Handled!.Disposition}" +
                    (e.Handled.State is { } state ? $" {state}" : "") +
                    $" in {e.Elapsed.TotalMilliseconds:0} ms (waited {e.Waited.TotalMilliseconds:0} ms)" +
                    (e.Handled.Reason is { } reason ? $": {reason}" : ""));
                WriteProgress(new ProgressRecord(1, $"Workflow worker {region.Region}",
                    $"{handled} tasks handled" + (MaxTasks > 0 ? $" of {MaxTasks}" : ""))
                { PercentComplete = MaxTasks > 0 ? Math.Min(100, handled * 100 / MaxTasks) : -1 });
            }
        }
        catch (PipelineStoppedException)
        {
            running.Wait();
            throw;
        }
        var info = running.GetAwaiter().GetResult(); // the events ended: the worker has returned
        if (terminate.Received) info = info with { StopReason = "SIGTERM" };
        WriteProgress(new ProgressRecord(1, $"Workflow worker {region.Region}", "Stopped") { RecordType = ProgressRecordType.Completed });
        WriteObject(info);
    }
}
