using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using Amazon.S3.Model;
using Workflow.Blobs;

namespace Workflow.Aws;

/// <summary>The blob store on S3: one bucket, keys as given. Conditional puts use If-None-Match: *.</summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly IAmazonS3 s3;
    private long requests;

    public S3BlobStore(IAmazonS3 s3, string bucket)
    {
        this.s3 = s3;
        Bucket = bucket;
    }

    public string Bucket { get; }

    /// <summary>Requests sent so far (what S3 bills by).</summary>
    public long Requests => Interlocked.Read(ref requests);

    public async Task PutAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref requests);
        await s3.PutObjectAsync(Request(key, content), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> PutIfAbsentAsync(string key, byte[] content, CancellationToken cancellationToken = default)
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
