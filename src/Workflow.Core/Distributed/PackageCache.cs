using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Engine;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Distributed;

/// <summary>
/// Published packages fetched from the blob store into a local folder, once per content hash:
/// a package never changes under its hash, so a worker downloads it on its first task only.
/// </summary>
public sealed class PackageCache
{
    private const string Complete = ".complete";
    private readonly IBlobStore blobs;
    private readonly string root;
    private readonly ConcurrentDictionary<string, Lazy<Task<PublishedWorkflow>>> loaded = new();

    public PackageCache(IBlobStore blobs, string root)
    {
        this.blobs = blobs;
        this.root = Path.GetFullPath(root);
    }

    public Task<PublishedWorkflow> LoadAsync(string workflowId, string contentHash, CancellationToken cancellationToken = default) =>
        loaded.GetOrAdd(workflowId + "/" + contentHash,
            _ => new Lazy<Task<PublishedWorkflow>>(() => FetchAsync(workflowId, contentHash, cancellationToken))).Value;

    private async Task<PublishedWorkflow> FetchAsync(string workflowId, string contentHash, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, workflowId, contentHash);
        if (!File.Exists(Path.Combine(folder, Complete)))
        {
            var prefix = $"packages/{workflowId}/{contentHash}/";
            var keys = await blobs.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
            if (keys.Count == 0)
            {
                throw new WorkflowException(WorkflowErrors.WorkflowPackageMissing,
                    $"The package of workflow '{workflowId}' ({contentHash}) is not in the blob store under '{prefix}'. Publish the workflow to this region again.", workflowId);
            }
            var staging = folder + "." + Guid.NewGuid().ToString("N").Substring(0, 8);
            foreach (var key in keys)
            {
                var bytes = await blobs.GetAsync(key, cancellationToken).ConfigureAwait(false) ?? Array.Empty<byte>();
                var path = Path.Combine(staging, key.Substring(prefix.Length).Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, bytes);
            }
            File.WriteAllText(Path.Combine(staging, Complete), contentHash);
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, Complete)))
            {
                Directory.Delete(staging, recursive: true); // another worker on this machine fetched it first
            }
        }
        var file = Path.Combine(folder, "workflow.yml");
        var definition = WorkflowReader.Parse(File.ReadAllText(file), file, folder).EnsureValid();
        return new PublishedWorkflow(WorkflowCatalog.Describe(definition, contentHash, folder), definition, folder);
    }
}
