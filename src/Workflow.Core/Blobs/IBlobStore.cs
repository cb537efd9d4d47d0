using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflow.Blobs;

/// <summary>Packages, large step outputs and artifacts, by key ('a/b/c'). Local: a folder. Cloud: S3.</summary>
public interface IBlobStore
{
    Task PutAsync(string key, byte[] content, CancellationToken cancellationToken = default);
    /// <summary>
    /// Writes the blob only if the key is free, atomically (S3: If-None-Match: *): of racing writers
    /// exactly one gets true. The claim that makes a fan-in step start once.
    /// </summary>
    Task<bool> PutIfAbsentAsync(string key, byte[] content, CancellationToken cancellationToken = default);
    /// <summary>The blob's bytes, or null when there is none under that key.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);
    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);
    Task DeleteAsync(string prefix, CancellationToken cancellationToken = default);
}
