using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>
/// Group commit: changes from every run and worker are written in one transaction per batch, and
/// whoever waits is released only after the batch is on disk. That keeps "write before you act"
/// while a thousand steps a second share a few hundred commits.
/// </summary>
internal sealed class StoreWriter : IDisposable
{
    private readonly IRunStore store;
    private readonly object gate = new();
    private List<(IReadOnlyList<StoreChange> Changes, TaskCompletionSource<bool>? Done)> pending = new();
    private readonly Thread thread;
    private bool stopping;

    public StoreWriter(IRunStore store)
    {
        this.store = store;
        thread = new Thread(Loop) { IsBackground = true, Name = "Workflow store writer" };
        thread.Start();
    }

    /// <summary>Completes once the changes are committed; faults with the store's error if they could not be.</summary>
    public Task WriteAsync(IReadOnlyList<StoreChange> changes)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(changes, done);
        return done.Task;
    }

    public Task WriteAsync(StoreChange change) => WriteAsync(new[] { change });

    /// <summary>Writes without waiting: for log lines and history that nothing acts on.</summary>
    public void Post(StoreChange change) => Enqueue(new[] { change }, null);

    public Task FlushAsync() => WriteAsync(Array.Empty<StoreChange>());

    private void Enqueue(IReadOnlyList<StoreChange> changes, TaskCompletionSource<bool>? done)
    {
        lock (gate)
        {
            if (stopping)
            {
                done?.TrySetException(new ObjectDisposedException(nameof(StoreWriter)));
                return;
            }
            pending.Add((changes, done));
            Monitor.Pulse(gate);
        }
    }

    private void Loop()
    {
        while (true)
        {
            List<(IReadOnlyList<StoreChange> Changes, TaskCompletionSource<bool>? Done)> batch;
            lock (gate)
            {
                while (pending.Count == 0 && !stopping)
                {
                    Monitor.Wait(gate);
                }
                if (pending.Count == 0)
                {
                    return;
                }
                batch = pending;
                pending = new();
            }
            Commit(batch);
        }
    }

    private void Commit(List<(IReadOnlyList<StoreChange> Changes, TaskCompletionSource<bool>? Done)> batch)
    {
        var all = new List<StoreChange>();
        foreach (var entry in batch)
        {
            all.AddRange(entry.Changes);
        }
        try
        {
            if (all.Count > 0)
            {
                store.Apply(all);
            }
            foreach (var entry in batch)
            {
                entry.Done?.TrySetResult(true);
            }
        }
        catch (Exception)
        {
            // One bad group (say, a run removed meanwhile) must not fail its neighbours: retry each alone.
            foreach (var entry in batch)
            {
                try
                {
                    if (entry.Changes.Count > 0)
                    {
                        store.Apply(entry.Changes);
                    }
                    entry.Done?.TrySetResult(true);
                }
                catch (Exception e)
                {
                    entry.Done?.TrySetException(e);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            stopping = true;
            Monitor.Pulse(gate);
        }
        thread.Join(TimeSpan.FromSeconds(10));
    }
}
