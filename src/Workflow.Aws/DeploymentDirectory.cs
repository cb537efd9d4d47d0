using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Aws;

/// <summary>The workflows deployed to a region, as the bucket records them (it may hold other regions' too); re-read every few seconds.</summary>
public sealed class DeploymentDirectory
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
    private readonly S3BlobStore blobs;
    private readonly string region;
    private readonly TimeSpan refresh;
    private readonly SemaphoreSlim gate = new(1, 1);
    private IReadOnlyList<AwsDeployment> cached = Array.Empty<AwsDeployment>();
    private DateTime readAt = DateTime.MinValue;

    public DeploymentDirectory(S3BlobStore blobs, string region, TimeSpan? refresh = null)
    {
        this.blobs = blobs;
        this.region = region;
        this.refresh = refresh ?? TimeSpan.FromSeconds(10);
    }

    public async Task<IReadOnlyList<AwsDeployment>> ListAsync(CancellationToken cancellationToken = default)
    {
        if (DateTime.UtcNow - readAt < refresh) return cached;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (DateTime.UtcNow - readAt < refresh) return cached;
            var list = new List<AwsDeployment>();
            foreach (var key in await blobs.ListAsync("deployments/", cancellationToken).ConfigureAwait(false))
            {
                var bytes = await blobs.GetAsync(key, cancellationToken).ConfigureAwait(false);
                if (bytes == null) continue;
                try
                {
                    if (JsonSerializer.Deserialize<AwsDeployment>(bytes, Json) is { WorkflowId.Length: > 0 } deployment && deployment.Region == region) list.Add(deployment);
                }
                catch (JsonException)
                {
                    // Not a record of ours: a worker must not stop over it. Publish rewrites it.
                }
            }
            cached = list;
            readAt = DateTime.UtcNow;
            return cached;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<AwsDeployment> GetAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var found = (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => d.WorkflowId == workflowId);
        if (found != null) return found;
        Invalidate();
        return (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => d.WorkflowId == workflowId)
            ?? throw new WorkflowException(WorkflowErrors.WorkflowNotDeployed,
                $"Workflow '{workflowId}' is not deployed to {region} in bucket '{blobs.Bucket}'. Publish it with Publish-Workflow -Region {region}.", workflowId);
    }

    public void Invalidate() => readAt = DateTime.MinValue;
}
