using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;

namespace Workflow.Distributed;

/// <summary>
/// Which workers are polling a region's queues, as they say in the bucket they work from
/// (workers/&lt;region&gt;/&lt;worker&gt;.json, rewritten every <see cref="Interval"/>): applying a
/// placement checks that every region it uses has one, so a step is not sent where nobody runs it.
/// </summary>
public static class WorkerPresence
{
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(20);

    /// <summary>A worker that has not written for this long is taken as gone (three intervals: one lost write is not an absence).</summary>
    public static TimeSpan Expiry { get; } = TimeSpan.FromSeconds(60);

    public static string Key(string region, string worker) => $"{Prefix(region)}{Safe(worker)}.json";

    public static string Prefix(string region) => $"workers/{Safe(region)}/";

    /// <summary>Says the worker is here, serving these workflows (all when null).</summary>
    public static Task WriteAsync(IBlobStore blobs, string region, string worker, IReadOnlyCollection<string>? workflowIds, CancellationToken cancellationToken) =>
        blobs.PutAsync(Key(region, worker), RemoteJson.Bytes(new Notice(worker, region, workflowIds?.ToList(), DateTimeOffset.UtcNow)), cancellationToken);

    public static Task RemoveAsync(IBlobStore blobs, string region, string worker, CancellationToken cancellationToken) =>
        blobs.DeleteAsync(Key(region, worker), cancellationToken);

    /// <summary>The workers of the region that serve the workflow and wrote within <see cref="Expiry"/> of <paramref name="now"/>.</summary>
    public static async Task<IReadOnlyList<string>> LiveAsync(IBlobStore blobs, string region, string workflowId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var live = new List<string>();
        foreach (var key in await blobs.ListAsync(Prefix(region), cancellationToken).ConfigureAwait(false))
        {
            var notice = await RemoteJson.ReadAsync<Notice>(blobs, key, cancellationToken).ConfigureAwait(false);
            if (notice == null || now - notice.At > Expiry) continue;
            if (notice.WorkflowIds == null || notice.WorkflowIds.Contains(workflowId)) live.Add(notice.Worker);
        }
        return live;
    }

    private static string Safe(string name) => name.Replace(':', '_').Replace('/', '_');

    private sealed record Notice(string Worker, string Region, List<string>? WorkflowIds, DateTimeOffset At);
}
