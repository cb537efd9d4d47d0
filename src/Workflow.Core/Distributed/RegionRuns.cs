using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Distributed;

/// <summary>
/// Runs carried on by a region's workers, as the session sees them: started, waited on, stopped and
/// synced through the region port, and recorded in the session's run store (owned by the region),
/// so Get-WorkflowRun and Receive-WorkflowRun read them as they read local runs.
/// </summary>
public sealed class RegionRuns
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly IRunStore store;
    private readonly string cacheFolder;

    internal RegionRuns(IRunStore store, IRegionProvider regions, string cacheFolder)
    {
        this.store = store;
        Provider = regions;
        this.cacheFolder = cacheFolder;
    }

    public IRegionProvider Provider { get; }

    /// <summary>The stop of a region's run waits this long for its workers to end it.</summary>
    public static TimeSpan StopGrace { get; } = TimeSpan.FromSeconds(10);

    /// <summary>The workflow's deployments recorded in this store (all workflows' when null), optionally in one region.</summary>
    public IReadOnlyList<RegionDeployment> Deployments(string? workflowId, string? region = null)
    {
        var name = region == null ? null : Provider.Normalize(region);
        return store.GetDeployments(workflowId)
            .Where(d => Provider.Serves(d.Region) && (name == null || string.Equals(d.Region, name, StringComparison.OrdinalIgnoreCase)))
            .Select(Provider.ReadDeployment)
            .ToList();
    }

    /// <summary>The workflow's deployment in the region; WorkflowNotDeployed when this store has none.</summary>
    public RegionDeployment Deployment(string workflowId, string region) =>
        Deployments(workflowId, region).FirstOrDefault() ?? throw NotDeployed(workflowId, Provider.Normalize(region));

    public static WorkflowException NotDeployed(string workflowId, string? region) =>
        new(WorkflowErrors.WorkflowNotDeployed, region == null
            ? $"Workflow '{workflowId}' is not deployed to any AWS region in this store. Publish it to one first: Publish-Workflow <folder> -Region aws:<region>."
            : $"Workflow '{workflowId}' is not deployed to {region} in this store. Publish it there first: Publish-Workflow <folder> -Region {region}.", workflowId);

    /// <summary>Publishes the workflow to the region and records the deployment here; returns it with a line saying what changed.</summary>
    public Task<(RegionDeployment Deployment, string Summary)> DeployAsync(WorkflowDefinition definition, string folder, string contentHash, string region, RegionAccess access, int maxReceiveCount, CancellationToken cancellationToken) =>
        DeployAsync(definition, folder, contentHash, region, access, new DeployOptions(maxReceiveCount), cancellationToken);

    /// <summary>Publishes the workflow to the region as the options say (queues, and a worker function for Compute Lambda) and records the deployment here.</summary>
    public async Task<(RegionDeployment Deployment, string Summary)> DeployAsync(WorkflowDefinition definition, string folder, string contentHash, string region, RegionAccess access, DeployOptions options, CancellationToken cancellationToken)
    {
        using var connection = Provider.Connect(region, null, access);
        var (record, summary) = await connection.DeployAsync(definition, folder, contentHash, options, cancellationToken).ConfigureAwait(false);
        store.SaveDeployment(record);
        return (Provider.ReadDeployment(record), summary);
    }

    /// <summary>What removing the workflow from the deployment's region deletes (for -WhatIf).</summary>
    public async Task<IReadOnlyList<string>> RemovalPlanAsync(RegionDeployment deployment, RegionAccess access, CancellationToken cancellationToken)
    {
        using var connection = Connect(deployment, access);
        return await connection.RemovalPlanAsync(deployment.WorkflowId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tears the workflow down in the deployment's region, then forgets the deployment here.</summary>
    public async Task RemoveAsync(RegionDeployment deployment, RegionAccess access, CancellationToken cancellationToken)
    {
        using (var connection = Connect(deployment, access))
        {
            await connection.RemoveAsync(deployment.WorkflowId, cancellationToken).ConfigureAwait(false);
            if (Deployments(deployment.WorkflowId).All(d => d.Region == deployment.Region))
            {
                // The last region the workflow is in: its placement goes too.
                await Explained(connection, $"remove the placement of {deployment.WorkflowId}", async () =>
                {
                    await connection.Blobs.DeleteAsync(Placement.DeploymentMigrator.BucketKey(deployment.WorkflowId), cancellationToken).ConfigureAwait(false);
                    return 0;
                }, cancellationToken).ConfigureAwait(false);
                store.RemovePlacement(deployment.WorkflowId);
            }
        }
        store.RemoveDeployment(deployment.WorkflowId, deployment.Region);
    }

    public async Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(RegionDeployment deployment, RegionAccess access, CancellationToken cancellationToken)
    {
        using var connection = Connect(deployment, access);
        return await connection.GetDeadLettersAsync(deployment.WorkflowId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeadLetter>> RestoreDeadLettersAsync(RegionDeployment deployment, RegionAccess access, Func<DeadLetter, bool> choose, CancellationToken cancellationToken)
    {
        using var connection = Connect(deployment, access);
        return await connection.RestoreDeadLettersAsync(deployment.WorkflowId, choose, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies the state and logs of the deployment's runs (or these runs) into the store; only what is new is fetched.</summary>
    public async Task<SyncSummary> SyncAsync(RegionDeployment deployment, RegionAccess access, IEnumerable<string>? runIds, CancellationToken cancellationToken)
    {
        using var connection = Connect(deployment, access);
        return await SyncAsync(connection, deployment, runIds, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a run in the region: recorded here first (Queued, owned by the region), then its
    /// definition written to the bucket and its first steps enqueued. When that fails nothing
    /// reached the queue, so the run ends Failed here rather than waiting for ever.
    /// </summary>
    internal async Task<WorkflowRun> StartAsync(string workflowId, string argumentJson, string region, RegionAccess access, CancellationToken cancellationToken)
    {
        var deployment = Deployment(workflowId, region);
        using var connection = Connect(deployment, access);
        // Before the run is recorded anywhere: a store that lets every conditional put win would run steps twice.
        await Explained(connection, $"check bucket '{connection.Bucket}' in {deployment.Region}", async () =>
        {
            await connection.RequireConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        var workflow = await Explained(connection, $"read the package of {workflowId} in s3://{connection.Bucket}/packages/",
            () => new PackageCache(connection.Blobs, cacheFolder).LoadAsync(workflowId, deployment.ContentHash, cancellationToken), cancellationToken).ConfigureAwait(false);
        var run = new WorkflowRun
        {
            RunId = Guid.NewGuid().ToString("N").Substring(0, 12),
            WorkflowId = workflowId,
            State = RunState.Queued,
            ArgumentJson = argumentJson,
            CreatedAt = DateTimeOffset.UtcNow,
            Owner = deployment.Region,
        };
        store.CreateRun(run, workflow.Definition.Steps.Select(s => s.Name).ToList());
        try
        {
            using var queues = new RegionQueues(Provider, connection, access);
            await Coordinator(connection, queues)
                .StartAsync(workflow, run.RunId, argumentJson, deployment.Region, cancellationToken, PlacedSteps(workflowId, deployment.Region, run.CreatedAt)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var error = connection.Explain(e, $"start run {run.RunId} in {deployment.Region}");
            store.Apply(new StoreChange[] { new RunStateChange(run.RunId, DateTimeOffset.UtcNow, RunState.Failed, error.Message) });
            throw error;
        }
        return store.GetRun(run.RunId)!;
    }

    /// <summary>The steps the workflow's applied placement sends away from the run's region for a run started then (none for a run started elsewhere than home).</summary>
    private IReadOnlyDictionary<string, string>? PlacedSteps(string workflowId, string region, DateTimeOffset startedAt)
    {
        var placement = store.GetPlacement(workflowId);
        if (placement == null || !string.Equals(placement.HomeRegion, region, StringComparison.OrdinalIgnoreCase)) return null;
        return placement.Hours.TryGetValue(startedAt.UtcDateTime.Hour, out var hour)
            ? hour.Where(p => !string.Equals(p.Value, region, StringComparison.OrdinalIgnoreCase)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
            : null;
    }

    /// <summary>
    /// Waits for a region's run to end: polls its end in the bucket, reporting how many steps are
    /// done (one LIST a second at most), then syncs it into the store and returns it as stored.
    /// </summary>
    internal async Task<WorkflowRun> WaitAsync(WorkflowRun run, RegionAccess access, IProgress<RunProgress>? progress, CancellationToken cancellationToken)
    {
        var deployment = Deployment(run.WorkflowId, run.Owner!);
        using var connection = Connect(deployment, access);
        var keys = new RemoteRunKeys(run.WorkflowId, run.RunId);
        var coordinator = Coordinator(connection);
        var counted = DateTime.MinValue;
        await Explained(connection, $"follow run {run.RunId} in s3://{connection.Bucket}/{keys.Prefix}", async () =>
        {
            while (await coordinator.GetEndAsync(run.WorkflowId, run.RunId, cancellationToken).ConfigureAwait(false) == null)
            {
                if (progress != null && DateTime.UtcNow - counted > TimeSpan.FromSeconds(1))
                {
                    var done = (await connection.Blobs.ListAsync(keys.StepsPrefix, cancellationToken).ConfigureAwait(false)).Count;
                    progress.Report(new RunProgress(run.RunId, run.WorkflowId, deployment.Region, RunState.Running, done, run.Steps.Count));
                    counted = DateTime.UtcNow;
                }
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        await SyncAsync(connection, deployment, new[] { run.RunId }, cancellationToken).ConfigureAwait(false);
        return store.GetRun(run.RunId)!;
    }

    /// <summary>
    /// Writes the run's halt to its bucket (its workers start none of its remaining steps; steps
    /// running there finish), then waits up to <paramref name="grace"/> for them to end it. Past
    /// that the run is returned as it is, still going: <see cref="RunErrors.StopPending"/> says so.
    /// </summary>
    internal async Task<WorkflowRun> StopAsync(WorkflowRun run, RegionAccess access, TimeSpan grace, CancellationToken cancellationToken)
    {
        var deployment = Deployment(run.WorkflowId, run.Owner!);
        using (var connection = Connect(deployment, access))
        {
            await Explained(connection, $"stop run {run.RunId} in {deployment.Region}", async () =>
            {
                await Coordinator(connection).StopAsync(run.WorkflowId, run.RunId, cancellationToken).ConfigureAwait(false);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(grace);
        try
        {
            return await WaitAsync(run, access, null, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return store.GetRun(run.RunId)!;
        }
    }

    /// <summary>
    /// A worker for the region's tasks, connected and checked (the bucket must hold this module's
    /// deployments): the bucket this store published to there, unless the access names one.
    /// </summary>
    public async Task<RegionWorker> OpenWorkerAsync(string region, RegionAccess access, IReadOnlyCollection<string>? workflowIds, IEnumerable<Executors.IStepExecutor> executors, RemoteWorkerOptions options, CancellationToken cancellationToken)
    {
        var host = await OpenHostAsync(region, access, executors, options, cancellationToken).ConfigureAwait(false);
        var queue = host.Connection.WorkerQueue(workflowIds, options.Concurrency);
        return new RegionWorker(host, host.WorkerOver(queue, options.Concurrency), workflowIds);
    }

    /// <summary>
    /// The region's connection and coordinator for a worker that is handed its tasks (a Lambda
    /// function's batches) rather than polling for them; checked as <see cref="OpenWorkerAsync"/> checks.
    /// </summary>
    public async Task<RegionHost> OpenHostAsync(string region, RegionAccess access, IEnumerable<Executors.IStepExecutor> executors, RemoteWorkerOptions options, CancellationToken cancellationToken)
    {
        var regionName = Provider.Normalize(region);
        var known = Deployments(null, regionName).Select(d => d.Bucket).Distinct().ToList();
        var connection = Provider.Connect(regionName, known.Count == 1 ? known[0] : null, access);
        try
        {
            await Explained(connection, $"find bucket '{connection.Bucket}'", async () =>
            {
                await connection.EnsureDeployedAsync(cancellationToken).ConfigureAwait(false);
                // Before any task is leased: a store that lets every conditional put win would run steps twice.
                await connection.RequireConditionalWritesAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }, cancellationToken).ConfigureAwait(false);
            // Steps this worker's tasks make ready may be placed in other regions: their queues are connected as needed.
            var queues = new RegionQueues(Provider, connection, access);
            var name = RunOwner.NewId();
            return new RegionHost(connection, queues, Coordinator(connection, queues, name), name, executors.ToList(), options);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private IRegionConnection Connect(RegionDeployment deployment, RegionAccess access) =>
        Provider.Connect(deployment.Region, deployment.Bucket, access);

    /// <summary>A coordinator on the connection's bucket; it sends tasks to its own queue, or through <paramref name="queues"/> to any region's.</summary>
    private RemoteRunCoordinator Coordinator(IRegionConnection connection, RegionQueues? queues = null, string worker = "session") =>
        new(connection.Blobs, queues != null ? queues.Of : _ => connection.Queue, new PackageCache(connection.Blobs, cacheFolder), worker);

    private async Task<SyncSummary> SyncAsync(IRegionConnection connection, RegionDeployment deployment, IEnumerable<string>? runIds, CancellationToken cancellationToken) =>
        await Explained(connection, $"read the runs of {deployment.WorkflowId} in s3://{connection.Bucket}/runs/",
            () => new RemoteRunSync(connection.Blobs, store, new PackageCache(connection.Blobs, cacheFolder)).SyncAsync(deployment.WorkflowId, deployment.Region, runIds, cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>A provider's failure as the connection explains it; ours and a cancellation the caller asked for pass as they are.</summary>
    internal static async Task<T> Explained<T>(IRegionConnection connection, string doing, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not WorkflowException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw connection.Explain(e, doing);
        }
    }
}

/// <summary>
/// A connected worker of a region; while it is open it says so in the bucket (<see cref="WorkerPresence"/>).
/// Disposing it closes the connections (pending deletes are flushed) and withdraws the notice.
/// </summary>
public sealed class RegionWorker : IDisposable
{
    private readonly RegionHost host;
    private readonly IRegionConnection connection;
    private readonly string name;
    private readonly CancellationTokenSource closing = new();
    private readonly Task presence;

    internal RegionWorker(RegionHost host, RemoteWorker worker, IReadOnlyCollection<string>? workflowIds)
    {
        this.host = host;
        connection = host.Connection;
        name = host.Name;
        Worker = worker;
        presence = Task.Run(() => SayPresentAsync(workflowIds, closing.Token));
    }

    public RemoteWorker Worker { get; }
    public string Region => connection.Region;
    public string Bucket => connection.Bucket;

    private async Task SayPresentAsync(IReadOnlyCollection<string>? workflowIds, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await WorkerPresence.WriteAsync(connection.Blobs, connection.Region, name, workflowIds, cancellationToken).ConfigureAwait(false);
                await Task.Delay(WorkerPresence.Interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The bucket is away for a while: the worker's own calls report it; try again soon.
                await Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public void Dispose()
    {
        closing.Cancel();
        try
        {
            presence.Wait(TimeSpan.FromSeconds(5));
            WorkerPresence.RemoveAsync(connection.Blobs, connection.Region, name, CancellationToken.None).Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The notice expires on its own.
        }
        host.Dispose();
        closing.Dispose();
    }
}
