using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;

namespace Workflow.Distributed;

/// <summary>
/// The halted runs of one workflow as a worker knows them: one LIST of their notices
/// (<see cref="RemoteRunKeys.HaltNoticesPrefix"/>), trusted for a second. A stop or a failure
/// reaches every worker within that second for a request a second per worker, where reading each
/// run's halt.json cost a request per run and step (most of them finding nothing).
/// </summary>
internal sealed class HaltNotices
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);
    private readonly IBlobStore blobs;
    private readonly string prefix;
    private readonly SemaphoreSlim gate = new(1, 1);
    private HashSet<string> halted = new(StringComparer.Ordinal);
    private DateTime listedAt = DateTime.MinValue;

    public HaltNotices(IBlobStore blobs, string workflowId)
    {
        this.blobs = blobs;
        prefix = RemoteRunKeys.HaltNoticesPrefix(workflowId);
    }

    /// <summary>Halts the run unless it is halted already, then posts the notice workers look for.</summary>
    public static async Task HaltAsync(IBlobStore blobs, RemoteRunKeys run, RemoteRunHalt halt, CancellationToken cancellationToken)
    {
        await blobs.PutIfAbsentAsync(run.Halt, RemoteJson.Bytes(halt), cancellationToken).ConfigureAwait(false);
        await blobs.PutAsync(run.HaltNotice, Array.Empty<byte>(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the run had a halt notice at most a second ago.</summary>
    public async Task<bool> HasAsync(RemoteRunKeys run, CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - listedAt >= Recheck)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (DateTime.UtcNow - listedAt >= Recheck)
                {
                    var started = DateTime.UtcNow; // what the LIST shows is as old as its start
                    var keys = await blobs.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
                    Volatile.Write(ref halted, new HashSet<string>(keys, StringComparer.Ordinal));
                    listedAt = started;
                }
            }
            finally
            {
                gate.Release();
            }
        }
        return Volatile.Read(ref halted).Contains(run.HaltNotice);
    }
}
