using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Distributed;

/// <summary>How to reach a region, as the caller gives it (-ProfileName, -EndpointUrl, -Bucket); null parts: the defaults.</summary>
public sealed record RegionAccess(string? ProfileName = null, string? EndpointUrl = null, string? Bucket = null)
{
    public static RegionAccess Default { get; } = new();
}

/// <summary>A workflow's deployment to a region as the run store records it: where its package and run state are, and what runs its tasks.</summary>
public sealed record RegionDeployment(string WorkflowId, string Region, string Bucket, string ContentHash, DateTimeOffset PublishedAt, Compute Compute = Compute.Workers, string? FunctionName = null)
{
    /// <summary>As Get-Workflow shows it.</summary>
    public WorkflowDeployment ToInfo() => new() { WorkflowId = WorkflowId, Region = Region, Bucket = Bucket, Compute = Compute, FunctionName = FunctionName, PublishedAt = PublishedAt };
}

/// <summary>
/// How a workflow is deployed to a region: deliveries before the dead-letter queue, and what runs its
/// tasks. For <see cref="Compute.Lambda"/>: the function's execution role (required on AWS itself),
/// its layers (one that brings pwsh), and the module folder its package is built from.
/// Warnings the deployment has for the user are added to <see cref="Warnings"/>.
/// </summary>
public sealed record DeployOptions(int MaxReceiveCount = 3)
{
    public Compute Compute { get; init; } = Compute.Workers;
    public string? LambdaRole { get; init; }
    public IReadOnlyList<string> LambdaLayers { get; init; } = Array.Empty<string>();
    /// <summary>The module folder (Workflow.PowerShell.psd1, lambda/bootstrap) the function runs.</summary>
    public string? ModuleFolder { get; init; }
    public System.Collections.Concurrent.ConcurrentQueue<string> Warnings { get; } = new();
}

/// <summary>
/// The regions an engine can carry runs on in beyond its own session, and how to reach them: a
/// port, so Core routes runs without knowing AWS (Workflow.Aws implements it; tests use folders).
/// </summary>
public interface IRegionProvider
{
    /// <summary>Whether the name is one of this provider's regions (aws:us-east-1); "local" never is.</summary>
    bool Serves(string region);

    /// <summary>The region's name as deployments record it (aws:us-east-1); an unknown region is a WorkflowException.</summary>
    string Normalize(string region);

    /// <summary>Reads a deployment record this provider wrote (<see cref="IRegionConnection.DeployAsync"/>).</summary>
    RegionDeployment ReadDeployment(DeploymentRecord record);

    /// <summary>
    /// A connection to the region's bucket (<paramref name="bucket"/> unless the access names one,
    /// else the region's default) and queues; bad credentials or endpoints are WorkflowExceptions.
    /// </summary>
    IRegionConnection Connect(string region, string? bucket, RegionAccess access);
}

/// <summary>One connection to a region: its bucket and task queue, and what publishing, removing and redriving do there.</summary>
public interface IRegionConnection : IDisposable
{
    string Region { get; }
    string Bucket { get; }
    IBlobStore Blobs { get; }
    ITaskQueue Queue { get; }

    /// <summary>A failed call (network, credentials, the service) as a WorkflowException that names what was being done.</summary>
    WorkflowException Explain(Exception e, string doing);

    /// <summary>Publishes the workflow here: package, queues, the deployment record (returned, for the run store) and a line saying what changed.</summary>
    Task<(DeploymentRecord Record, string Summary)> DeployAsync(WorkflowDefinition definition, string folder, string contentHash, DeployOptions options, CancellationToken cancellationToken);

    /// <summary>What removing the workflow from the region deletes, in the order it goes (for -WhatIf).</summary>
    Task<IReadOnlyList<string>> RemovalPlanAsync(string workflowId, CancellationToken cancellationToken);

    Task RemoveAsync(string workflowId, CancellationToken cancellationToken);

    Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(string workflowId, CancellationToken cancellationToken);

    /// <summary>Sends the chosen dead letters back to the workflow's task queue; returns those sent.</summary>
    Task<IReadOnlyList<DeadLetter>> RestoreDeadLettersAsync(string workflowId, Func<DeadLetter, bool> choose, CancellationToken cancellationToken);

    /// <summary>Refuses (AwsBucketNotDeployed or the like) a bucket that holds no deployment of this module.</summary>
    Task EnsureDeployedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Refuses (WorkflowStoreConditionsNotHonoured) a store whose write-once puts are not: claims,
    /// takes and results rely on them, so there steps could run twice. Checked once per process.
    /// </summary>
    Task RequireConditionalWritesAsync(CancellationToken cancellationToken);

    /// <summary>The queue a worker leases from: only these workflows' tasks (all when null), up to <paramref name="prefetch"/> a receive.</summary>
    ITaskQueue WorkerQueue(IReadOnlyCollection<string>? workflowIds, int prefetch);
}

/// <summary>No regions: every run is carried on in this session.</summary>
public sealed class NoRegions : IRegionProvider
{
    public static NoRegions Instance { get; } = new();

    public bool Serves(string region) => false;

    public string Normalize(string region) => throw Unsupported(region);

    public RegionDeployment ReadDeployment(DeploymentRecord record) => throw Unsupported(record.Region);

    public IRegionConnection Connect(string region, string? bucket, RegionAccess access) => throw Unsupported(region);

    private static WorkflowException Unsupported(string region) =>
        new(WorkflowErrors.WorkflowRegionUnsupported,
            $"Region '{region}' cannot be reached from this engine: only 'local' runs here. Give -Region local, or a region the module supports (aws:<region>).", region);
}
