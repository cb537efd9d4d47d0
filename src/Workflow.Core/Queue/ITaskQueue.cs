using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;

namespace Workflow.Queue;

/// <summary>
/// One attempt-series of one step (or one foreach item) to run. It carries its input document
/// (shared part and item), so a worker needs nothing but the task and the published package.
/// <see cref="ReadyAtUnixMs"/> is when the step became ready (for the ready-to-started latency).
/// </summary>
public sealed record StepTask(
    string RunId,
    string WorkflowId,
    string Step,
    int? Item,
    int FirstAttempt,
    SharedInput SharedInput,
    string? ItemJson,
    string Region = "local",
    long ReadyAtUnixMs = 0);

/// <summary>
/// A task a worker holds; others cannot see it until the lease runs out or is released.
/// <see cref="MaxReceives"/>: on the delivery that reaches it, a task that fails goes to the dead-letter queue.
/// <see cref="MessageId"/> is the same for every delivery of one message, and differs between two
/// messages of the same task.
/// </summary>
public sealed record LeasedTask(StepTask Task, string LeaseId, int ReceiveCount, int MaxReceives = 1, string? MessageId = null);

/// <summary>Step tasks with lease, renew, ack and dead-letter. Local: in-process. Cloud: SQS with a redrive policy.</summary>
public interface ITaskQueue
{
    ValueTask EnqueueAsync(StepTask task, CancellationToken cancellationToken = default);
    /// <summary>Enqueues several tasks (SQS: in batches of ten), in order.</summary>
    ValueTask EnqueueManyAsync(IReadOnlyList<StepTask> tasks, CancellationToken cancellationToken = default);
    /// <summary>Waits for a task and leases it for <paramref name="visibility"/>; null when the queue is closed.</summary>
    ValueTask<LeasedTask?> LeaseAsync(TimeSpan visibility, CancellationToken cancellationToken = default);
    ValueTask RenewAsync(LeasedTask task, TimeSpan visibility, CancellationToken cancellationToken = default);
    /// <summary>The task is done (whatever its outcome): delete it.</summary>
    ValueTask AckAsync(LeasedTask task, CancellationToken cancellationToken = default);
    /// <summary>Gives the task back to be delivered again.</summary>
    ValueTask ReleaseAsync(LeasedTask task, CancellationToken cancellationToken = default);
    /// <summary>Moves the task to the dead-letter queue at once, with the reason no worker can run it.</summary>
    ValueTask DeadLetterAsync(LeasedTask task, string reason, CancellationToken cancellationToken = default);
}
