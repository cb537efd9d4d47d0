using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Format;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>Published workflows: publish a folder as a content-addressed package, list, remove, load.</summary>
public sealed class WorkflowCatalog
{
    private readonly IRunStore store;
    private readonly FolderBlobStore blobs;
    private readonly ConcurrentDictionary<string, PublishedWorkflow> loaded = new();

    internal WorkflowCatalog(IRunStore store, FolderBlobStore blobs, Func<DeploymentRecord, WorkflowDeployment?>? readDeployment = null)
    {
        this.store = store;
        this.blobs = blobs;
        this.readDeployment = readDeployment ?? (_ => null);
    }

    /// <summary>A deployment record as Get-Workflow shows it (the region provider reads its own records); null for none it knows.</summary>
    private readonly Func<DeploymentRecord, WorkflowDeployment?> readDeployment;

    /// <summary>Validates the folder (its scripts too, with <paramref name="scripts"/>) and reads it, without publishing: what -WhatIf shows.</summary>
    public static (WorkflowDefinition Definition, string Folder, string ContentHash) Read(string path, IStepScriptChecker? scripts = null)
    {
        var result = WorkflowReader.Load(path, scripts);
        var definition = result.EnsureValid();
        var folder = Path.GetDirectoryName(Path.GetFullPath(definition.SourceFile))!;
        return (definition, folder, HashFolder(folder));
    }

    /// <summary>
    /// Publishes the workflow folder to the local provider. The same id with other content is
    /// refused unless <paramref name="force"/>; the same content again is a no-op. A script that
    /// <paramref name="scripts"/> finds does not parse is refused like any other error.
    /// </summary>
    public async Task<WorkflowInfo> PublishAsync(string path, bool force, IStepScriptChecker? scripts = null, System.Threading.CancellationToken cancellationToken = default)
    {
        var (definition, folder, hash) = Read(path, scripts);
        var existing = store.GetWorkflow(definition.WorkflowId);
        if (existing != null && existing.ContentHash == hash)
        {
            return existing;
        }
        if (existing != null && !force)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowVersionConflict,
                $"Workflow '{definition.WorkflowId}' is already published with other content. Raise 'version' in workflow.yml, or use -Force to replace it.",
                definition.WorkflowId);
        }
        await UploadPackageAsync(blobs, folder, definition.WorkflowId, hash, cancellationToken).ConfigureAwait(false);
        var info = Describe(definition, hash, folder) with
        {
            PublishedAt = DateTimeOffset.UtcNow,
            DefinitionText = File.ReadAllText(definition.SourceFile),
        };
        store.SaveWorkflow(info);
        if (existing != null)
        {
            await blobs.DeleteAsync($"packages/{definition.WorkflowId}/{existing.ContentHash}").ConfigureAwait(false);
        }
        return Get(info.WorkflowId); // as stored (times to the millisecond), so a second publish returns the same
    }

    /// <summary>The record of a workflow definition whose package has this hash and lives in this folder.</summary>
    public static WorkflowInfo Describe(WorkflowDefinition definition, string contentHash, string folder) => new()
    {
        WorkflowId = definition.WorkflowId,
        Name = definition.Name,
        Version = definition.Version,
        Description = definition.Description,
        HomeRegion = definition.HomeRegion,
        StepCount = definition.Steps.Count,
        ContentHash = contentHash,
        SourcePath = folder,
    };

    /// <summary>
    /// Uploads the workflow folder under <c>packages/&lt;id&gt;/&lt;hash&gt;/</c>. Content-addressed: when
    /// the package's workflow.yml is already there (written last), nothing is uploaded. Returns the files uploaded.
    /// </summary>
    public static async Task<int> UploadPackageAsync(IBlobStore blobs, string folder, string workflowId, string hash, System.Threading.CancellationToken cancellationToken = default)
    {
        var prefix = $"packages/{workflowId}/{hash}/";
        if (await blobs.ExistsAsync(prefix + "workflow.yml", cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }
        var files = PackageFiles(folder)
            .Select(f => (File: f, Key: prefix + f.Substring(folder.Length + 1).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Key.EndsWith("/workflow.yml", StringComparison.Ordinal) && f.Key.Count(c => c == '/') == 3) // the marker last
            .ToList();
        foreach (var (file, key) in files)
        {
            await blobs.PutAsync(key, File.ReadAllBytes(file), cancellationToken).ConfigureAwait(false);
        }
        return files.Count;
    }

    public IReadOnlyList<WorkflowInfo> List()
    {
        var deployments = store.GetDeployments().ToLookup(d => d.WorkflowId);
        return store.GetWorkflows().Select(w => WithRegions(w, deployments[w.WorkflowId])).ToList();
    }

    public WorkflowInfo Get(string workflowId) =>
        WithRegions(store.GetWorkflow(workflowId) ?? throw NotFound(workflowId), store.GetDeployments(workflowId));

    private WorkflowInfo WithRegions(WorkflowInfo info, IEnumerable<DeploymentRecord> deployments) =>
        info with
        {
            Regions = string.Join(", ", new[] { "local" }.Concat(deployments.Select(d => d.Region))),
            Placement = store.GetPlacement(info.WorkflowId),
            Deployments = deployments.Select(readDeployment).Where(d => d != null).Select(d => d!).ToList(),
        };

    /// <summary>Throws unless the workflow may be removed: it exists and no run of this store's is unfinished.</summary>
    public void EnsureRemovable(string workflowId)
    {
        Get(workflowId);
        // Runs carried on by a cloud region's workers are not this session's to stop.
        var unfinished = store.GetRuns(workflowId).Where(r => !r.State.IsFinal() && !RunOwner.IsRemote(r.Owner)).Select(r => r.RunId).ToList();
        if (unfinished.Count > 0)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowHasUnfinishedRuns,
                $"Workflow '{workflowId}' has unfinished runs ({string.Join(", ", unfinished)}). Stop them with Stop-WorkflowRun first.", workflowId);
        }
    }

    public async Task RemoveAsync(string workflowId, System.Threading.CancellationToken cancellationToken = default)
    {
        EnsureRemovable(workflowId);
        store.RemoveWorkflow(workflowId);
        await blobs.DeleteAsync($"packages/{workflowId}", cancellationToken).ConfigureAwait(false);
        loaded.TryRemove(workflowId, out _);
    }

    /// <summary>The published definition and its package folder, parsed once per content hash.</summary>
    public PublishedWorkflow Load(string workflowId)
    {
        var info = Get(workflowId);
        if (loaded.TryGetValue(workflowId, out var cached) && cached.Info.ContentHash == info.ContentHash)
        {
            return cached;
        }
        var packageDirectory = blobs.PathOf($"packages/{workflowId}/{info.ContentHash}");
        var definition = WorkflowReader.Parse(info.DefinitionText, Path.Combine(packageDirectory, "workflow.yml"), packageDirectory).EnsureValid();
        var published = new PublishedWorkflow(info, definition, packageDirectory);
        loaded[workflowId] = published;
        return published;
    }

    public static WorkflowException NotFound(string workflowId) =>
        new(WorkflowErrors.WorkflowNotFound,
            $"Workflow '{workflowId}' was not found. Run Get-Workflow to list published workflows.", workflowId);

    private static IEnumerable<string> PackageFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.Substring(folder.Length + 1).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith(".", StringComparison.Ordinal)))
            .OrderBy(f => f, StringComparer.Ordinal);

    /// <summary>SHA-256 over every file's relative path and bytes, in path order; hidden files left out.</summary>
    public static string HashFolder(string folder)
    {
        using var sha = SHA256.Create();
        foreach (var file in PackageFiles(folder))
        {
            var name = Encoding.UTF8.GetBytes(file.Substring(folder.Length + 1).Replace(Path.DirectorySeparatorChar, '/') + "\n");
            sha.TransformBlock(name, 0, name.Length, null, 0);
            var content = File.ReadAllBytes(file);
            sha.TransformBlock(content, 0, content.Length, null, 0);
        }
        sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        return BitConverter.ToString(sha.Hash!).Replace("-", "").ToLowerInvariant().Substring(0, 16);
    }
}

/// <summary>A published workflow ready to run: its record, parsed definition and package folder.</summary>
public sealed record PublishedWorkflow(WorkflowInfo Info, WorkflowDefinition Definition, string PackageDirectory);
