using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Workflow.Blobs;
using Workflow.Distributed;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Aws;

/// <summary>
/// One AWS region as the module uses it: its bucket (packages, deployments, run state), the SQS
/// queues of the workflows deployed there, and what publishing, removing and redriving do to them.
/// </summary>
public sealed class AwsRegion : IRegionConnection
{
    /// <summary>The object that marks a bucket as this module's.</summary>
    public const string OwnerMarker = "workflow-powershell.json";
    public const string OwnerTag = "workflow-powershell";
    private readonly IAmazonS3 s3;

    private AwsRegion(AwsConnection connection, string bucket)
    {
        Connection = connection;
        s3 = connection.S3();
        Sqs = connection.Sqs();
        Blobs = new S3BlobStore(s3, bucket);
        Deployments = new DeploymentDirectory(Blobs, connection.QualifiedRegion);
        Queue = new SqsTaskQueue(Sqs, Blobs, Deployments);
    }

    public AwsConnection Connection { get; }
    public S3BlobStore Blobs { get; }
    public IAmazonSQS Sqs { get; }
    public DeploymentDirectory Deployments { get; }
    public SqsTaskQueue Queue { get; }
    public string Bucket => Blobs.Bucket;
    public string Region => Connection.QualifiedRegion;
    IBlobStore IRegionConnection.Blobs => Blobs;
    ITaskQueue IRegionConnection.Queue => Queue;

    WorkflowException IRegionConnection.Explain(Exception e, string doing) => Connection.Explain(e, doing);

    async Task<(DeploymentRecord Record, string Summary)> IRegionConnection.DeployAsync(WorkflowDefinition definition, string folder, string contentHash, DeployOptions options, CancellationToken cancellationToken)
    {
        var (deployment, uploaded, workers) = await DeployAsync(definition, folder, contentHash, options, cancellationToken).ConfigureAwait(false);
        var summary = $"{deployment.Region}: {(uploaded == 0 ? "package unchanged" : $"{uploaded} files uploaded")} to s3://{deployment.Bucket}/packages/{definition.WorkflowId}/{contentHash}/; queue {deployment.QueueUrl}; dead letters {deployment.DeadLetterQueueUrl}" +
            (workers != null ? $"; {workers}" : "");
        return (AwsRegionProvider.ToRecord(deployment), summary);
    }

    Task<IReadOnlyList<DeadLetter>> IRegionConnection.GetDeadLettersAsync(string workflowId, CancellationToken cancellationToken) =>
        GetDeadLettersAsync(workflowId, cancellationToken);

    Task<IReadOnlyList<DeadLetter>> IRegionConnection.RestoreDeadLettersAsync(string workflowId, Func<DeadLetter, bool> choose, CancellationToken cancellationToken) =>
        RestoreDeadLettersAsync(workflowId, choose, cancellationToken);

    /// <summary>AwsBucketNotDeployed unless the bucket holds this module's owner marker.</summary>
    public async Task EnsureDeployedAsync(CancellationToken cancellationToken)
    {
        if (!await Blobs.ExistsAsync(OwnerMarker, cancellationToken).ConfigureAwait(false))
        {
            throw new WorkflowException(WorkflowErrors.AwsBucketNotDeployed,
                $"Bucket '{Bucket}' in {Region} holds no Workflow.PowerShell deployment. Publish a workflow there (Publish-Workflow -Region {Region}) or give the bucket it uses with -Bucket.", Bucket);
        }
    }

    public Task RequireConditionalWritesAsync(CancellationToken cancellationToken) => Blobs.RequireConditionalWritesAsync(cancellationToken);

    public ITaskQueue WorkerQueue(IReadOnlyCollection<string>? workflowIds, int prefetch)
    {
        Queue.WorkflowFilter = workflowIds;
        Queue.Prefetch = prefetch; // a receive can bring a task for every lane: fewer SQS requests under load
        return Queue;
    }

    /// <summary>The bucket a region uses unless -Bucket says otherwise: $env:WORKFLOW_AWS_BUCKET, else workflow-powershell-&lt;region&gt;.</summary>
    public static string DefaultBucket(string region) =>
        Environment.GetEnvironmentVariable("WORKFLOW_AWS_BUCKET") is { Length: > 0 } bucket ? bucket : "workflow-powershell-" + region;

    public static AwsRegion Open(AwsConnection connection, string? bucket = null) =>
        new(connection, bucket ?? DefaultBucket(connection.Region));

    /// <summary>A coordinator that runs this region's tasks; packages are cached under <paramref name="cacheFolder"/>.</summary>
    public RemoteRunCoordinator Coordinator(string cacheFolder, string worker) =>
        new(Blobs, _ => Queue, new PackageCache(Blobs, cacheFolder), worker);

    /// <summary>Creates the bucket if it is missing; refuses one that exists and is not this module's.</summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken = default)
    {
        if (await MarkerExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            await Blobs.RequireConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var created = false;
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = Bucket, UseClientRegion = true }, cancellationToken).ConfigureAwait(false);
            created = true;
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyExists")
        {
            throw NotOurs($"S3 bucket '{Bucket}' belongs to another account.");
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
        {
            // Ours by account; adopted below only if empty.
        }
        catch (Exception e) when (e is not WorkflowException)
        {
            throw Connection.Explain(e, $"create S3 bucket '{Bucket}'");
        }
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, MaxKeys = 1 }, cancellationToken).ConfigureAwait(false);
        if ((objects.S3Objects?.Count ?? 0) > 0)
        {
            throw NotOurs($"S3 bucket '{Bucket}' exists and holds objects that Workflow.PowerShell did not write (it has no {OwnerMarker}).");
        }
        try
        {
            await Blobs.RequireConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (WorkflowException) when (created)
        {
            // A store runs could not rely on: the bucket made for them goes again, nothing is left half-done.
            await s3.DeleteBucketAsync(Bucket, cancellationToken).ConfigureAwait(false);
            throw;
        }
        var marker = JsonSerializer.SerializeToUtf8Bytes(new { createdBy = "Workflow.PowerShell", createdAt = DateTimeOffset.UtcNow });
        await Blobs.PutIfAbsentAsync(OwnerMarker, marker, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> MarkerExistsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Blobs.ExistsAsync(OwnerMarker, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode == "NoSuchBucket")
        {
            return false;
        }
    }

    private WorkflowException NotOurs(string what) =>
        new(WorkflowErrors.AwsBucketNotOurs,
            $"{what} Give another bucket with -Bucket or $env:WORKFLOW_AWS_BUCKET; nothing was written to it.", Bucket);

    /// <summary>
    /// Publishes a workflow to this region: package (content-addressed: the same content again uploads
    /// nothing), dead-letter queue, task queue with its redrive policy, and the deployment record.
    /// </summary>
    public async Task<(AwsDeployment Deployment, int FilesUploaded)> DeployAsync(
        WorkflowDefinition definition, string folder, string contentHash, int maxReceiveCount, CancellationToken cancellationToken = default)
    {
        var (deployment, uploaded, _) = await DeployAsync(definition, folder, contentHash, new DeployOptions(maxReceiveCount), cancellationToken).ConfigureAwait(false);
        return (deployment, uploaded);
    }

    /// <summary>As above, with the compute the options name: for Compute Lambda the worker function and its mapping too (and a line saying what they are).</summary>
    public async Task<(AwsDeployment Deployment, int FilesUploaded, string? Workers)> DeployAsync(
        WorkflowDefinition definition, string folder, string contentHash, DeployOptions options, CancellationToken cancellationToken)
    {
        var maxReceiveCount = options.MaxReceiveCount;
        if (options.Compute == Compute.Lambda) Lambda.LambdaWorkers.Role(this, definition.WorkflowId, options); // before anything is made
        return await CallAsync($"publish '{definition.WorkflowId}' to {Connection.QualifiedRegion}", async () =>
        {
            await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);
            var uploaded = await WorkflowCatalog.UploadPackageAsync(Blobs, folder, definition.WorkflowId, contentHash, cancellationToken).ConfigureAwait(false);
            var dlqUrl = await EnsureQueueAsync(AwsDeployment.QueueName(definition.WorkflowId, true), definition.WorkflowId,
                new Dictionary<string, string> { ["MessageRetentionPeriod"] = "1209600" }, cancellationToken).ConfigureAwait(false);
            var dlqArn = (await Sqs.GetQueueAttributesAsync(dlqUrl, new List<string> { "QueueArn" }, cancellationToken).ConfigureAwait(false)).QueueARN;
            var redrive = JsonSerializer.Serialize(new Dictionary<string, object> { ["deadLetterTargetArn"] = dlqArn, ["maxReceiveCount"] = maxReceiveCount.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            var queueUrl = await EnsureQueueAsync(AwsDeployment.QueueName(definition.WorkflowId, false), definition.WorkflowId,
                new Dictionary<string, string> { ["VisibilityTimeout"] = "60", ["RedrivePolicy"] = redrive }, cancellationToken).ConfigureAwait(false);
            var deployment = new AwsDeployment
            {
                WorkflowId = definition.WorkflowId,
                ContentHash = contentHash,
                Region = Connection.QualifiedRegion,
                Bucket = Bucket,
                QueueUrl = queueUrl,
                DeadLetterQueueUrl = dlqUrl,
                MaxReceiveCount = maxReceiveCount,
                PublishedAt = DateTimeOffset.UtcNow,
            };
            var (hosted, workers) = await Lambda.LambdaWorkers.ApplyAsync(this, definition, deployment, options, cancellationToken).ConfigureAwait(false);
            await Blobs.PutAsync(AwsDeployment.Key(definition.WorkflowId, Region), JsonSerializer.SerializeToUtf8Bytes(hosted, DeploymentDirectory.Json), cancellationToken).ConfigureAwait(false);
            Deployments.Invalidate();
            return (hosted, uploaded, workers);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> EnsureQueueAsync(string name, string workflowId, Dictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        string? existing = null;
        try
        {
            existing = (await Sqs.GetQueueUrlAsync(name, cancellationToken).ConfigureAwait(false)).QueueUrl;
        }
        catch (QueueDoesNotExistException)
        {
        }
        if (existing == null)
        {
            var created = await Sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = name,
                Attributes = attributes,
                Tags = new Dictionary<string, string> { [OwnerTag] = workflowId },
            }, cancellationToken).ConfigureAwait(false);
            return created.QueueUrl;
        }
        var tags = (await Sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = existing }, cancellationToken).ConfigureAwait(false)).Tags;
        if (tags == null || !tags.TryGetValue(OwnerTag, out var owner) || owner != workflowId)
        {
            throw new WorkflowException(WorkflowErrors.AwsQueueNotOurs,
                $"SQS queue '{name}' in {Connection.QualifiedRegion} exists but was not created by Workflow.PowerShell for '{workflowId}' (no '{OwnerTag}' tag). Delete or rename that queue; nothing was changed.", existing);
        }
        await Sqs.SetQueueAttributesAsync(existing, attributes, cancellationToken).ConfigureAwait(false);
        return existing;
    }

    /// <summary>What removing the workflow from this region deletes (for -WhatIf), in the order it goes.</summary>
    public async Task<IReadOnlyList<string>> RemovalPlanAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        var deployment = await Deployments.GetAsync(workflowId, cancellationToken).ConfigureAwait(false);
        return Lambda.LambdaWorkers.RemovalPlan(deployment).Concat(new[]
        {
            $"SQS queue {deployment.QueueUrl}",
            $"SQS dead-letter queue {deployment.DeadLetterQueueUrl}",
            $"s3://{Bucket}/packages/{workflowId}/",
            $"s3://{Bucket}/{RemoteRunKeys.HaltNoticesPrefix(workflowId)}",
            $"s3://{Bucket}/{AwsDeployment.Key(workflowId, Region)}",
        }).ToList();
    }

    /// <summary>
    /// Deletes the workflow's queues and deployment record from this region, and its package unless
    /// another region's record in the bucket still uses it. Run state under runs/ stays for Sync-WorkflowLog.
    /// </summary>
    public async Task RemoveAsync(string workflowId, CancellationToken cancellationToken = default)
    {
        await CallAsync($"remove '{workflowId}' from {Connection.QualifiedRegion}", async () =>
        {
            var deployment = await Deployments.GetAsync(workflowId, cancellationToken).ConfigureAwait(false);
            // The mapping and function first: nothing takes the queue's tasks once it is gone.
            if (deployment.Compute == Compute.Lambda) await Lambda.LambdaWorkers.Open(this).RemoveAsync(deployment, cancellationToken).ConfigureAwait(false);
            foreach (var url in new[] { deployment.QueueUrl, deployment.DeadLetterQueueUrl })
            {
                try
                {
                    await Sqs.DeleteQueueAsync(url, cancellationToken).ConfigureAwait(false);
                }
                catch (QueueDoesNotExistException)
                {
                }
            }
            await Blobs.DeleteAsync(AwsDeployment.Key(workflowId, Region), cancellationToken).ConfigureAwait(false);
            Deployments.Invalidate();
            // Regions a placement uses share the bucket: the package and halt notices go with the last of them.
            var others = await Blobs.ListAsync("deployments/", cancellationToken).ConfigureAwait(false);
            if (!others.Any(key => key.EndsWith("/" + workflowId + ".json", StringComparison.Ordinal)))
            {
                await Blobs.DeleteAsync($"packages/{workflowId}/", cancellationToken).ConfigureAwait(false);
                await Blobs.DeleteAsync(RemoteRunKeys.HaltNoticesPrefix(workflowId), cancellationToken).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The dead letters of the region's workflows (or one's), read without taking them off the queue.</summary>
    public Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(string? workflowId, CancellationToken cancellationToken = default) =>
        CallAsync("read the dead-letter queues", () => new AwsDeadLetters(this).GetAsync(workflowId, cancellationToken), cancellationToken);

    /// <summary>Sends the chosen dead letters back to their workflow's task queue; returns those redriven.</summary>
    public Task<IReadOnlyList<DeadLetter>> RestoreDeadLettersAsync(string? workflowId, Func<DeadLetter, bool> choose, CancellationToken cancellationToken = default) =>
        CallAsync("redrive dead letters", () => new AwsDeadLetters(this).RestoreAsync(workflowId, choose, cancellationToken), cancellationToken);

    /// <summary>Runs a call, turning SDK and network failures into errors that name the thing and the fix.</summary>
    private async Task<T> CallAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not WorkflowException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw Connection.Explain(e, what);
        }
    }

    public void Dispose()
    {
        Queue.ReleasePrefetchedAsync().GetAwaiter().GetResult();
        Queue.FlushAcksAsync().GetAwaiter().GetResult();
        s3.Dispose();
        Sqs.Dispose();
    }
}
