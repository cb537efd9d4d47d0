using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using Amazon.S3.Model;
using Workflow.Blobs;
using Workflow.Model;

namespace Workflow.Aws;

/// <summary>
/// The blob store on S3: one bucket, keys as given. Conditional puts use If-None-Match: *, and the
/// first one of a process to an endpoint and bucket is preceded by a probe that the store honours it.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>Each endpoint and bucket probed by this process, and whether it refused the second put.</summary>
    private static readonly ConcurrentDictionary<string, bool> Probed = new(StringComparer.Ordinal);
    private readonly IAmazonS3 s3;
    private long requests;
    private volatile bool conditionsHonoured;

    public S3BlobStore(IAmazonS3 s3, string bucket)
    {
        this.s3 = s3;
        Bucket = bucket;
        Endpoint = s3.Config.ServiceURL is { Length: > 0 } url ? url.TrimEnd('/') : $"AWS S3 in {s3.Config.RegionEndpoint?.SystemName}";
    }

    public string Bucket { get; }

    /// <summary>The endpoint's URL, or AWS S3 and the region: what the probe's answer is kept by and errors name.</summary>
    public string Endpoint { get; }

    /// <summary>Requests sent so far (what S3 bills by).</summary>
    public long Requests => Interlocked.Read(ref requests);

    public async Task PutAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref requests);
        await s3.PutObjectAsync(Request(key, content), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PutIfAbsentAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        if (!conditionsHonoured) await RequireConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
        return await PutIfAbsentUncheckedAsync(key, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Refuses (WorkflowStoreConditionsNotHonoured) a store that lets a second If-None-Match: * put
    /// of one key succeed, as some S3-compatible stores and emulators do: there every claim and take
    /// would be won by everyone, and steps could run twice. Probed once per process per endpoint and
    /// bucket (two puts of a fresh key and a delete); the bucket must exist.
    /// </summary>
    public async Task RequireConditionalWritesAsync(CancellationToken cancellationToken = default)
    {
        var id = Endpoint + " " + Bucket;
        if (!Probed.TryGetValue(id, out var honoured))
        {
            // Racing first callers may each probe, each with a key of its own: the answers agree.
            var key = "probes/conditional-put-" + Guid.NewGuid().ToString("N");
            var probe = Encoding.UTF8.GetBytes("Workflow.PowerShell: does this store refuse a second If-None-Match: * put?");
            var first = await PutIfAbsentUncheckedAsync(key, probe, cancellationToken).ConfigureAwait(false);
            var second = first && await PutIfAbsentUncheckedAsync(key, probe, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref requests);
            await s3.DeleteObjectAsync(Bucket, key, cancellationToken).ConfigureAwait(false);
            honoured = Probed.GetOrAdd(id, first && !second);
        }
        if (!honoured)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowStoreConditionsNotHonoured,
                $"S3 endpoint {Endpoint} (bucket '{Bucket}') accepted a second If-None-Match: * put of one key: this S3-compatible store answers every If-None-Match: * put with success, so steps could run twice. Use AWS S3 or a store that honours conditional writes; nothing was run or written.", Bucket);
        }
        conditionsHonoured = true;
    }

    private async Task<bool> PutIfAbsentUncheckedAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = Request(key, content);
            request.IfNoneMatch = "*";
            try
            {
                Interlocked.Increment(ref requests);
                await s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                return false;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                // S3 answers 409 while a racing conditional put of the same key is in flight: ask again.
                await Task.Delay(50 * attempt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            Interlocked.Increment(ref requests);
            using var response = await s3.GetObjectAsync(Bucket, key, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, 81920, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            Interlocked.Increment(ref requests);
            await s3.GetObjectMetadataAsync(Bucket, key, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix };
        while (true)
        {
            Interlocked.Increment(ref requests);
            var response = await s3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            // SDK v4 leaves empty collections null.
            keys.AddRange((response.S3Objects ?? new List<S3Object>()).Select(o => o.Key));
            if (response.IsTruncated != true) break;
            request.ContinuationToken = response.NextContinuationToken;
        }
        return keys;
    }

    public async Task DeleteAsync(string prefix, CancellationToken cancellationToken = default)
    {
        // A key or a folder: every key that starts with it.
        var keys = await ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < keys.Count; i += 1000)
        {
            var request = new DeleteObjectsRequest { BucketName = Bucket, Objects = keys.Skip(i).Take(1000).Select(k => new KeyVersion { Key = k }).ToList() };
            Interlocked.Increment(ref requests);
            await s3.DeleteObjectsAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => s3.Dispose();

    private PutObjectRequest Request(string key, byte[] content) => new()
    {
        BucketName = Bucket,
        Key = key,
        InputStream = new MemoryStream(content, writable: false),
        UseChunkEncoding = false, // the content is in memory: one signature, not one per chunk
        ContentType = key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream",
    };
}
