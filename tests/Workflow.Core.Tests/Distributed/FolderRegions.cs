using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Distributed;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Tests.Distributed;

/// <summary>
/// Regions made of local parts for tests of the region port: "gcp:*" regions, each with its own
/// in-process task queue, and buckets that are folders (named globally, as S3's are).
/// </summary>
internal sealed class FolderRegions : IRegionProvider
{
    private readonly string root;
    private readonly Dictionary<string, InProcessTaskQueue> queues = new();

    public FolderRegions(string root) => this.root = root;

    public bool QueueFails { get; set; }

    public bool Serves(string region) => region.StartsWith("gcp:", StringComparison.Ordinal);

    public string Normalize(string region) => Serves(region)
        ? region
        : throw new WorkflowException(WorkflowErrors.WorkflowRegionUnsupported, $"'{region}' is not a test region.", region);

    public RegionDeployment ReadDeployment(DeploymentRecord record)
    {
        var fields = JsonSerializer.Deserialize<Dictionary<string, string>>(record.RecordJson)!;
        return new RegionDeployment(record.WorkflowId, record.Region, fields["bucket"], fields["hash"], record.PublishedAt);
    }

    public IRegionConnection Connect(string region, string? bucket, RegionAccess access)
    {
        lock (queues)
        {
            if (!queues.TryGetValue(region, out var queue)) queues[region] = queue = new InProcessTaskQueue();
            return new Connection(this, region, access.Bucket ?? bucket ?? "bucket-" + region.Replace(':', '-'), queue);
        }
    }

    private sealed class Connection : IRegionConnection
    {
        private readonly FolderRegions regions;
        private readonly ITaskQueue queue;

        public Connection(FolderRegions regions, string region, string bucket, InProcessTaskQueue queue)
        {
            this.regions = regions;
            Region = region;
            Bucket = bucket;
            this.queue = queue;
            Blobs = new FolderBlobStore(Path.Combine(regions.root, bucket)); // bucket names are global, as S3's
        }

        public string Region { get; }
        public string Bucket { get; }
        public IBlobStore Blobs { get; }
        public ITaskQueue Queue => regions.QueueFails ? new FailingQueue() : queue;

        public WorkflowException Explain(Exception e, string doing) =>
            new(WorkflowErrors.WorkflowRegionCallFailed, $"Could not {doing}: {e.Message}", null, e);

        public async Task<(DeploymentRecord Record, string Summary)> DeployAsync(WorkflowDefinition definition, string folder, string contentHash, DeployOptions options, CancellationToken cancellationToken)
        {
            await WorkflowCatalog.UploadPackageAsync(Blobs, folder, definition.WorkflowId, contentHash, cancellationToken);
            await Blobs.PutAsync("deployed", new byte[] { 1 }, cancellationToken);
            var json = JsonSerializer.Serialize(new Dictionary<string, string> { ["bucket"] = Bucket, ["hash"] = contentHash });
            return (new DeploymentRecord(definition.WorkflowId, Region, json, DateTimeOffset.UtcNow), $"{Region}: deployed");
        }

        public Task<IReadOnlyList<string>> RemovalPlanAsync(string workflowId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<string>>(new[] { $"{Region}/{Bucket}/packages/{workflowId}/" });

        public Task RemoveAsync(string workflowId, CancellationToken cancellationToken) => Blobs.DeleteAsync($"packages/{workflowId}/", cancellationToken);

        public Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(string workflowId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<DeadLetter>>(Array.Empty<DeadLetter>());

        public Task<IReadOnlyList<DeadLetter>> RestoreDeadLettersAsync(string workflowId, Func<DeadLetter, bool> choose, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<DeadLetter>>(Array.Empty<DeadLetter>());

        public async Task EnsureDeployedAsync(CancellationToken cancellationToken)
        {
            if (!await Blobs.ExistsAsync("deployed", cancellationToken))
            {
                throw new WorkflowException(WorkflowErrors.WorkflowNotDeployed, $"Nothing is deployed to {Region}.");
            }
        }

        public Task RequireConditionalWritesAsync(CancellationToken cancellationToken) => Task.CompletedTask; // a folder's puts are write-once (link(2))

        public ITaskQueue WorkerQueue(IReadOnlyCollection<string>? workflowIds, int prefetch) => queue;

        public void Dispose()
        {
        }
    }

    /// <summary>A queue whose endpoint is gone: every send fails.</summary>
    private sealed class FailingQueue : ITaskQueue
    {
        private static Exception Gone() => new IOException("the queue's endpoint refused the connection");

        public ValueTask EnqueueAsync(StepTask task, CancellationToken cancellationToken = default) => throw Gone();

        public ValueTask EnqueueManyAsync(IReadOnlyList<StepTask> tasks, CancellationToken cancellationToken = default) => throw Gone();

        public ValueTask<LeasedTask?> LeaseAsync(TimeSpan visibility, CancellationToken cancellationToken = default) => throw Gone();

        public ValueTask RenewAsync(LeasedTask task, TimeSpan visibility, CancellationToken cancellationToken = default) => throw Gone();

        public ValueTask AckAsync(LeasedTask task, CancellationToken cancellationToken = default) => throw Gone();

        public ValueTask ReleaseAsync(LeasedTask task, CancellationToken cancellationToken = default) => throw Gone();

        public ValueTask DeadLetterAsync(LeasedTask task, string reason, CancellationToken cancellationToken = default) => throw Gone();
    }
}
