using System;
using System.Collections.Generic;
using Workflow.Executors;
using Workflow.Queue;

namespace Workflow.Distributed;

/// <summary>
/// What a worker of a region keeps while its process lives: the connection, the queues of the
/// regions its tasks send successors to, and one coordinator (with its run and package caches).
/// A polling worker runs one <see cref="RemoteWorker"/> over it; a Lambda-hosted worker one per
/// invocation, over that invocation's batch of messages, so a warm process reuses all of it.
/// </summary>
public sealed class RegionHost : IDisposable
{
    private readonly RegionQueues queues;
    private readonly IReadOnlyList<IStepExecutor> executors;
    private readonly RemoteWorkerOptions options;

    internal RegionHost(IRegionConnection connection, RegionQueues queues, RemoteRunCoordinator coordinator, string name, IReadOnlyList<IStepExecutor> executors, RemoteWorkerOptions options)
    {
        Connection = connection;
        this.queues = queues;
        Coordinator = coordinator;
        Name = name;
        this.executors = executors;
        this.options = options with { Region = connection.Region };
    }

    public IRegionConnection Connection { get; }
    public RemoteRunCoordinator Coordinator { get; }
    /// <summary>The worker's name, recorded with each result it writes.</summary>
    public string Name { get; }
    public string Region => Connection.Region;
    public string Bucket => Connection.Bucket;

    /// <summary>A worker that takes its tasks from <paramref name="queue"/> with <paramref name="concurrency"/> lanes, through this host's coordinator.</summary>
    public RemoteWorker WorkerOver(ITaskQueue queue, int concurrency) =>
        new(Coordinator, queue, executors, options with { Concurrency = Math.Max(1, concurrency) });

    public void Dispose()
    {
        queues.Dispose();
        Connection.Dispose();
    }
}
