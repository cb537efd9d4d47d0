using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Workflow.Queue;

/// <summary>
/// The local queue: a channel in this process. Nothing outlives the process here; the run store
/// is what makes local runs durable, and a resumed run enqueues its unfinished steps again.
/// </summary>
public sealed class InProcessTaskQueue : ITaskQueue, IDisposable
{
    private readonly Channel<(StepTask Task, int Receives, string Id)> channel =
        Channel.CreateUnbounded<(StepTask, int, string)>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });

    public ValueTask EnqueueAsync(StepTask task, CancellationToken cancellationToken = default) =>
        channel.Writer.WriteAsync((task, 0, Guid.NewGuid().ToString("N")), cancellationToken);

    public async ValueTask EnqueueManyAsync(System.Collections.Generic.IReadOnlyList<StepTask> tasks, CancellationToken cancellationToken = default)
    {
        foreach (var task in tasks) await EnqueueAsync(task, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<LeasedTask?> LeaseAsync(TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (channel.Reader.TryRead(out var entry))
            {
                return new LeasedTask(entry.Task, Guid.NewGuid().ToString("N"), entry.Receives + 1, MessageId: entry.Id);
            }
        }
        return null;
    }

    public ValueTask RenewAsync(LeasedTask task, TimeSpan visibility, CancellationToken cancellationToken = default) => default;

    public ValueTask AckAsync(LeasedTask task, CancellationToken cancellationToken = default) => default;

    public ValueTask ReleaseAsync(LeasedTask task, CancellationToken cancellationToken = default) =>
        channel.Writer.WriteAsync((task.Task, task.ReceiveCount, task.MessageId ?? Guid.NewGuid().ToString("N")), cancellationToken);

    public ValueTask DeadLetterAsync(LeasedTask task, string reason, CancellationToken cancellationToken = default)
    {
        DeadLetters.Enqueue((task.Task, reason));
        return default;
    }

    /// <summary>Tasks no worker could run, with the reason.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(StepTask Task, string Reason)> DeadLetters { get; } = new();

    /// <summary>Ends every waiting lease with null.</summary>
    public void Close() => channel.Writer.TryComplete();

    public void Dispose() => Close();
}
