using System;
using System.Collections.Concurrent;
using Workflow.Queue;

namespace Workflow.Distributed;

/// <summary>
/// The task queues a run's steps go to: its own region's, and those of the regions its placement
/// puts steps in, each connected on first use with the same access and the same bucket (the regions
/// a placement uses share the home region's bucket; each has its own queues).
/// </summary>
internal sealed class RegionQueues : IDisposable
{
    private readonly IRegionProvider provider;
    private readonly IRegionConnection own;
    private readonly RegionAccess access;
    private readonly ConcurrentDictionary<string, Lazy<IRegionConnection>> others = new(StringComparer.OrdinalIgnoreCase);

    public RegionQueues(IRegionProvider provider, IRegionConnection own, RegionAccess access)
    {
        this.provider = provider;
        this.own = own;
        this.access = access;
    }

    public ITaskQueue Of(string region) =>
        string.Equals(region, own.Region, StringComparison.OrdinalIgnoreCase)
            ? own.Queue
            : others.GetOrAdd(region, r => new Lazy<IRegionConnection>(() => provider.Connect(r, own.Bucket, access))).Value.Queue;

    public void Dispose()
    {
        foreach (var connection in others.Values)
        {
            if (connection.IsValueCreated) connection.Value.Dispose();
        }
    }
}
