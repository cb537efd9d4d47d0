using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Distributed;
using Workflow.Executors;
using Workflow.Model;
using Workflow.PowerShell.Executors;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Runs the steps of the workflows deployed to an AWS region: takes their tasks from SQS, runs them
/// here, writes results to S3 and enqueues what became ready. Runs until Ctrl+C, Stop-Job, SIGTERM or -MaxTasks.
/// With -LambdaRuntime it is the custom runtime of a Lambda function (Publish-Workflow -Compute
/// Lambda): the same worker, handed each invocation's SQS batch by the Runtime API.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "WorkflowWorker", DefaultParameterSetName = Polling)]
[OutputType(typeof(WorkerInfo))]
public sealed class StartWorkflowWorkerCommand : AwsCmdlet
{
    private const string Polling = "Polling";
    private const string Lambda = "LambdaRuntime";

    /// <summary>The region whose queues to serve (with -LambdaRuntime: default $env:WORKFLOW_REGION, which the deployment sets).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = Polling)]
    [Parameter(Position = 0, ParameterSetName = Lambda)]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string Region { get; set; } = "";

    /// <summary>Serve the Lambda Runtime API at $env:AWS_LAMBDA_RUNTIME_API: each invocation's SQS batch is run, its failures reported.</summary>
    [Parameter(Mandatory = true, ParameterSetName = Lambda)]
    public SwitchParameter LambdaRuntime { get; set; }

    /// <summary>With -LambdaRuntime: return after this many invocations (default: serve until stopped).</summary>
    [Parameter(ParameterSetName = Lambda)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxInvocations { get; set; }

    /// <summary>Steps that run at once in this worker.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int Concurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Stop after this many tasks (default: run until stopped).</summary>
    [Parameter(ParameterSetName = Polling)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxTasks { get; set; }

    /// <summary>Take only these workflows' tasks (default: every workflow deployed to the region).</summary>
    [Parameter(ParameterSetName = Polling)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string[]? WorkflowId { get; set; }

    /// <summary>Seconds a task stays hidden from other workers; renewed while its step runs.</summary>
    [Parameter]
    [ValidateRange(5, 43200)]
    public int LeaseSeconds { get; set; } = 60;

    protected override void EndProcessing()
    {
        if (LambdaRuntime)
        {
            ServeLambdaRuntime();
            return;
        }
        using var scripts = new PowerShellExecutor(Concurrency);
        using var containers = ModuleState.Containers();
        var access = WorkerAccess();
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
                WriteVerbose(Handled(e));
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

    /// <summary>
    /// The custom runtime: opens the region once (bucket, coordinator, runspaces stay warm), then serves
    /// invocations until stopped. The function's environment says where: WORKFLOW_REGION,
    /// WORKFLOW_AWS_BUCKET, WORKFLOW_LAMBDA_CONCURRENCY and WORKFLOW_LAMBDA_TIMEOUT (the deployment sets them).
    /// A region that cannot be opened is posted as the runtime's init error, then thrown.
    /// </summary>
    private void ServeLambdaRuntime()
    {
        IFunctionRuntime runtime;
        try
        {
            runtime = ModuleState.FunctionRuntime();
        }
        catch (WorkflowException e)
        {
            Fail(e);
            throw;
        }
        using var api = runtime;
        var region = Region.Length > 0 ? Region
            : Environment.GetEnvironmentVariable("WORKFLOW_REGION") is { Length: > 0 } named ? named
            : "aws:" + Environment.GetEnvironmentVariable("AWS_REGION");
        var settings = new FunctionWorkerSettings
        {
            MaxConcurrency = MyInvocation.BoundParameters.ContainsKey(nameof(Concurrency)) ? Concurrency : Setting("WORKFLOW_LAMBDA_CONCURRENCY", 10),
            FunctionTimeout = TimeSpan.FromSeconds(Setting("WORKFLOW_LAMBDA_TIMEOUT", 900)),
            MaxInvocations = MaxInvocations,
        };
        using var scripts = new PowerShellExecutor(settings.MaxConcurrency);
        // Lambda has no Docker: a container step fails there with StepDockerUnreachable, as it would on any worker without one.
        using var containers = ModuleState.Containers();
        var access = WorkerAccess();
        var options = new RemoteWorkerOptions { Lease = TimeSpan.FromSeconds(LeaseSeconds), WorkFolder = Path.Combine(Engine.Home, "work") };
        RegionHost opened;
        try
        {
            opened = WaitFor(token => Engine.Regions.OpenHostAsync(region, access, new IStepExecutor[] { scripts, new CommandExecutor(), containers }, options, token));
        }
        catch (WorkflowException e)
        {
            runtime.InitErrorAsync(e.ErrorId, e.Message, CancellationToken.None).Wait(TimeSpan.FromSeconds(10));
            Fail(e);
            throw;
        }
        using var host = opened;
        WriteVerbose($"Lambda-hosted worker {host.Name} serves {host.Region} (bucket {host.Bucket}), up to {settings.MaxConcurrency} lanes an invocation.");
        var events = new BlockingCollection<object>();
        var running = Task.Run(async () =>
        {
            try
            {
                return await runtime.ServeAsync(host, settings, events.Add, events.Add, Cancellation).ConfigureAwait(false);
            }
            finally
            {
                events.CompleteAdding();
            }
        });
        var started = DateTimeOffset.UtcNow;
        var total = new WorkerInfo { WorkerId = host.Name, Region = host.Region, Concurrency = settings.MaxConcurrency, StartedAt = started };
        try
        {
            foreach (var e in events.GetConsumingEnumerable())
            {
                if (e is WorkerEvent { Warning: { } warning }) WriteWarning(warning);
                else if (e is WorkerEvent w) WriteVerbose(Handled(w));
                else if (e is FunctionInvocationOutcome { Error: { } error } failed) WriteWarning($"Invocation {failed.RequestId} failed and was reported so: {error}");
                else if (e is FunctionInvocationOutcome done)
                {
                    WriteVerbose($"Invocation {done.RequestId}: {done.Records} record(s), {done.BatchItemFailures.Count} left to the mapping, in {done.Elapsed.TotalMilliseconds:0} ms.");
                    if (done.Worker is { } info) total = Add(total, info);
                }
            }
        }
        catch (PipelineStoppedException)
        {
            running.Wait();
            throw;
        }
        running.GetAwaiter().GetResult();
        WriteObject(total with { StoppedAt = DateTimeOffset.UtcNow, StopReason = Cancellation.IsCancellationRequested ? "Stopped" : "MaxInvocations" });
    }

    /// <summary>The bucket this store published to in the region, unless -Bucket or $env:WORKFLOW_AWS_BUCKET says.</summary>
    private RegionAccess WorkerAccess() =>
        Access with { Bucket = Bucket ?? (Environment.GetEnvironmentVariable("WORKFLOW_AWS_BUCKET") is { Length: > 0 } named ? named : null) };

    /// <summary>The verbose line of a handled task, the same for a worker process and a Lambda-hosted one.</summary>
    private static string Handled(WorkerEvent e) =>
        $"{e.Task!.WorkflowId} run {e.Task.RunId} step {RemoteWorker.Describe(e.Task)}: {e.Handled!.Disposition}" +
        (e.Handled.State is { } state ? $" {state}" : "") +
        $" in {e.Elapsed.TotalMilliseconds:0} ms (waited {e.Waited.TotalMilliseconds:0} ms)" +
        (e.Handled.Reason is { } reason ? $": {reason}" : "");

    private static WorkerInfo Add(WorkerInfo total, WorkerInfo one) => total with
    {
        TasksRun = total.TasksRun + one.TasksRun,
        Succeeded = total.Succeeded + one.Succeeded,
        Failed = total.Failed + one.Failed,
        AlreadyDone = total.AlreadyDone + one.AlreadyDone,
        Cancelled = total.Cancelled + one.Cancelled,
        DeadLettered = total.DeadLettered + one.DeadLettered,
        BackendErrors = total.BackendErrors + one.BackendErrors,
    };

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
