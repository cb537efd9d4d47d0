using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;
using Workflow.Queue;

namespace Workflow.Distributed;

/// <summary>How a remote worker runs.</summary>
public sealed record RemoteWorkerOptions
{
    public string Region { get; init; } = "";
    /// <summary>Tasks that run at once (lanes, each on its own thread).</summary>
    public int Concurrency { get; init; } = Math.Max(2, Environment.ProcessorCount);
    /// <summary>Stop after leasing this many tasks (0: run until stopped).</summary>
    public int MaxTasks { get; init; }
    /// <summary>How long a leased task stays invisible to other workers; renewed every third of it while the step runs.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Where artifacts of the steps run here are written.</summary>
    public string WorkFolder { get; init; } = System.IO.Path.GetTempPath();
}

/// <summary>What a worker reports as it goes: a task handled, or a backend error it will retry.</summary>
public sealed record WorkerEvent(StepTask? Task, HandledTask? Handled, TimeSpan Elapsed, TimeSpan Waited, string? Warning);

/// <summary>
/// Takes tasks from a region's queue and carries their runs on through the
/// <see cref="RemoteRunCoordinator"/>: Start-WorkflowWorker, on any machine, as many as wanted.
/// </summary>
public sealed class RemoteWorker
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(20);
    private readonly RemoteRunCoordinator coordinator;
    private readonly ITaskQueue queue;
    private readonly IReadOnlyDictionary<StepKind, IStepExecutor> executors;
    private readonly RemoteWorkerOptions options;
    private int taken;
    private int ran, succeeded, failed, alreadyDone, cancelled, deadLettered, errors;

    public RemoteWorker(RemoteRunCoordinator coordinator, ITaskQueue queue, IEnumerable<IStepExecutor> executors, RemoteWorkerOptions options)
    {
        this.coordinator = coordinator;
        this.queue = queue;
        this.executors = executors.ToDictionary(e => e.Kind);
        this.options = options;
    }

    public string WorkerId { get; } = RunOwner.NewId();

    /// <summary>Runs until <paramref name="stop"/> or until MaxTasks tasks are handled; then the worker's counts.</summary>
    public WorkerInfo Run(Action<WorkerEvent>? report, CancellationToken stop)
    {
        var started = DateTimeOffset.UtcNow;
        using var leasing = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var lanes = Enumerable.Range(0, Math.Max(1, options.Concurrency)).Select(i =>
        {
            var thread = new Thread(() => Lane(report, leasing, stop)) { IsBackground = true, Name = $"Workflow remote worker {i + 1}" };
            thread.Start();
            return thread;
        }).ToList();
        foreach (var lane in lanes) lane.Join();
        return new WorkerInfo
        {
            WorkerId = WorkerId,
            Region = options.Region,
            Concurrency = lanes.Count,
            StartedAt = started,
            StoppedAt = DateTimeOffset.UtcNow,
            TasksRun = ran,
            Succeeded = succeeded,
            Failed = failed,
            AlreadyDone = alreadyDone,
            Cancelled = cancelled,
            DeadLettered = deadLettered,
            BackendErrors = errors,
            StopReason = stop.IsCancellationRequested ? "Stopped" : "MaxTasks",
        };
    }

    private void Lane(Action<WorkerEvent>? report, CancellationTokenSource leasing, CancellationToken stop)
    {
        var attempts = new AttemptRunner(executors, key => System.IO.Path.Combine(options.WorkFolder, key));
        var backoff = TimeSpan.Zero;
        var random = new Random();
        while (!leasing.IsCancellationRequested)
        {
            LeasedTask? leased;
            try
            {
                leased = queue.LeaseAsync(options.Lease, leasing.Token).AsTask().GetAwaiter().GetResult();
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (leasing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Wait(ref backoff, random, report, $"Cannot lease a task: {e.Message}", leasing.Token);
                continue;
            }
            if (leased == null) return;
            if (options.MaxTasks > 0 && Interlocked.Increment(ref taken) >= options.MaxTasks)
            {
                if (taken > options.MaxTasks)
                {
                    Try(() => queue.ReleaseAsync(leased));
                    return;
                }
                leasing.Cancel(); // this lane runs the last task; the others stop leasing
            }
            Handle(leased, attempts, report, stop);
        }
    }

    private void Handle(LeasedTask leased, AttemptRunner attempts, Action<WorkerEvent>? report, CancellationToken stop)
    {
        var task = leased.Task;
        var waited = task.ReadyAtUnixMs > 0
            ? TimeSpan.FromMilliseconds(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - task.ReadyAtUnixMs))
            : TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        var renewEvery = TimeSpan.FromTicks(options.Lease.Ticks / 3);
        using var renew = new Timer(_ => Try(() => queue.RenewAsync(leased, options.Lease)), null, renewEvery, renewEvery);
        HandledTask handled;
        try
        {
            handled = coordinator.HandleAsync(task, attempts, stop, redelivered: leased.ReceiveCount > 1, leased.MessageId).GetAwaiter().GetResult();
        }
        catch (Exception e) when (!(e is OperationCanceledException && stop.IsCancellationRequested))
        {
            // The bucket or queue failed under us: leave the message; it comes back when its lease
            // ends and the redelivery finds whatever was written (results are written once).
            Interlocked.Increment(ref errors);
            report?.Invoke(new WorkerEvent(task, null, clock.Elapsed, waited, $"Run {task.RunId} step {Describe(task)}: {e.Message} The task is left in the queue and will be delivered again."));
            return;
        }
        catch (OperationCanceledException)
        {
            Try(() => queue.ReleaseAsync(leased));
            return;
        }
        renew.Dispose();
        switch (handled.Disposition)
        {
            case TaskDisposition.Released:
                Try(() => queue.ReleaseAsync(leased));
                break;
            case TaskDisposition.DeadLettered:
                Interlocked.Increment(ref deadLettered);
                Try(() => queue.DeadLetterAsync(leased, handled.Reason ?? "Not runnable."));
                break;
            case TaskDisposition.StepFailed when leased.ReceiveCount >= leased.MaxReceives:
                Interlocked.Increment(ref failed);
                Interlocked.Increment(ref deadLettered);
                Try(() => queue.DeadLetterAsync(leased,
                    $"Step '{Describe(task)}' failed on delivery {leased.ReceiveCount} of {leased.MaxReceives} (attempt {handled.Attempt} of its retry policy): {handled.Reason}"));
                break;
            case TaskDisposition.StepFailed:
                Interlocked.Increment(ref failed);
                Try(() => queue.ReleaseAsync(leased));
                break;
            default:
                Count(handled);
                Try(() => queue.AckAsync(leased));
                break;
        }
        report?.Invoke(new WorkerEvent(task, handled, clock.Elapsed, waited, null));
    }

    private void Count(HandledTask handled)
    {
        if (handled.Disposition is TaskDisposition.AlreadyDone or TaskDisposition.Duplicate) Interlocked.Increment(ref alreadyDone);
        else if (handled.Disposition == TaskDisposition.Cancelled) Interlocked.Increment(ref cancelled);
        else
        {
            Interlocked.Increment(ref ran);
            if (handled.State == StepState.Succeeded) Interlocked.Increment(ref succeeded);
            else if (handled.State == StepState.Failed) Interlocked.Increment(ref failed);
        }
    }

    /// <summary>Waits out a backend error: exponential backoff with jitter, up to 20 s.</summary>
    private void Wait(ref TimeSpan backoff, Random random, Action<WorkerEvent>? report, string warning, CancellationToken token)
    {
        Interlocked.Increment(ref errors);
        backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        var delay = TimeSpan.FromMilliseconds(backoff.TotalMilliseconds * (0.5 + random.NextDouble() / 2));
        report?.Invoke(new WorkerEvent(null, null, TimeSpan.Zero, TimeSpan.Zero, $"{warning} Retrying in {delay.TotalSeconds:0.0} s."));
        token.WaitHandle.WaitOne(delay);
    }

    private void Try(Func<ValueTask> call)
    {
        try
        {
            call().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Lost with the backend: the message's lease runs out and it is delivered again.
            Interlocked.Increment(ref errors);
        }
    }

    public static string Describe(StepTask task) => task.Step + (task.Item is { } i ? $"[{i}]" : "");
}
