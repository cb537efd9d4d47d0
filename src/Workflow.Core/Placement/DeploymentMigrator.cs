using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Distributed;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Placement;

/// <summary>What applying a placement did: the placement now recorded, a line per region deployed, and the regions that had no worker (only with force).</summary>
public sealed record PlacementMove(WorkflowPlacement Placement, IReadOnlyList<string> Deployed, IReadOnlyList<string> RegionsWithoutWorker);

/// <summary>
/// Applies hourly plans (Move-WorkflowDeployment, Caribou's deployment migrator): deploys the
/// workflow's queues to every region the plans use, in the home deployment's bucket (which keeps
/// run state and packages for them all), checks a worker polls each of those regions, and records
/// the placement in the run store and in the bucket (placements/&lt;id&gt;.json). From then on a new
/// run started at home sends each step to its plan's region for the run's start hour.
/// </summary>
public sealed class DeploymentMigrator
{
    /// <summary>Deliveries of a task before it goes to a new region's dead-letter queue (Publish-Workflow's default).</summary>
    public const int MaxReceiveCount = 3;

    private readonly IRunStore store;
    private readonly RegionRuns regions;
    private readonly WorkflowCatalog catalog;

    internal DeploymentMigrator(IRunStore store, RegionRuns regions, WorkflowCatalog catalog)
    {
        this.store = store;
        this.regions = regions;
        this.catalog = catalog;
    }

    public static string BucketKey(string workflowId) => $"placements/{workflowId}.json";

    /// <summary>The placement the plans make, checked against the workflow (PlacementPlanInvalid); nothing is changed. For -WhatIf and for <see cref="MoveAsync"/>.</summary>
    public WorkflowPlacement Plan(string workflowId, IReadOnlyList<DeploymentPlan> plans) => Plan(catalog.Load(workflowId), plans);

    private WorkflowPlacement Plan(PublishedWorkflow workflow, IReadOnlyList<DeploymentPlan> plans)
    {
        var workflowId = workflow.Info.WorkflowId;
        var definition = workflow.Definition;
        if (!regions.Provider.Serves(definition.HomeRegion))
        {
            throw Invalid(workflowId, $"Workflow '{workflowId}' has home_region '{definition.HomeRegion}': a placement moves steps between cloud regions, so its home must be one (home_region: aws:us-east-1). Publish it with a cloud home first.");
        }
        var home = regions.Provider.Normalize(definition.HomeRegion);
        if (plans.Count == 0) throw Invalid(workflowId, $"No plan was given for '{workflowId}'. Pipe the plans of Find-WorkflowDeployment -WorkflowId {workflowId} into Move-WorkflowDeployment.");
        var hours = new Dictionary<int, IReadOnlyDictionary<string, string>>();
        foreach (var plan in plans)
        {
            if (plan.WorkflowId != workflowId) throw Invalid(workflowId, $"A plan for '{plan.WorkflowId}' was given with plans for '{workflowId}'. Move one workflow's plans at a time.");
            if (plan.HomeRegion.Length > 0 && !string.Equals(regions.Provider.Normalize(plan.HomeRegion), home, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(workflowId, $"The plan for hour {plan.Hour} was made for home {plan.HomeRegion}, but '{workflowId}' now has home {home}. Find new plans: Find-WorkflowDeployment -WorkflowId {workflowId}.");
            }
            if (plan.Hour is < 0 or > 23) throw Invalid(workflowId, $"Hour {plan.Hour} of a plan for '{workflowId}' is not an hour of the day (0..23, UTC).");
            if (hours.ContainsKey(plan.Hour)) throw Invalid(workflowId, $"Two plans for '{workflowId}' are for hour {plan.Hour}. Give one plan per hour.");
            hours[plan.Hour] = CheckedPlacement(workflowId, definition, home, plan);
        }
        return new WorkflowPlacement { WorkflowId = workflowId, HomeRegion = home, Hours = hours, AppliedAt = DateTimeOffset.UtcNow };
    }

    public Task<PlacementMove> MoveAsync(string workflowId, IReadOnlyList<DeploymentPlan> plans, RegionAccess access, bool force, IProgress<string>? progress, CancellationToken cancellationToken) =>
        MoveAsync(workflowId, plans, access, force, new DeployOptions(MaxReceiveCount), progress, cancellationToken);

    /// <summary>
    /// Applies the plans, deploying the regions away from home as <paramref name="deploy"/> says (its
    /// Compute: workers or a Lambda function). A region the placement uses whose deployment is not
    /// Compute Lambda and that has no live worker (<see cref="WorkerPresence"/>) is
    /// PlacementRegionHasNoWorker and nothing is recorded (the queues made stay, ready), unless
    /// <paramref name="force"/>: then the placement is recorded and those regions are returned.
    /// </summary>
    public async Task<PlacementMove> MoveAsync(string workflowId, IReadOnlyList<DeploymentPlan> plans, RegionAccess access, bool force, DeployOptions deploy, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var workflow = catalog.Load(workflowId);
        var placement = Plan(workflow, plans);
        var home = regions.Deployment(workflowId, placement.HomeRegion);
        // Every region works from the home deployment's bucket: run state, packages and each region's deployment record.
        var shared = access with { Bucket = access.Bucket ?? home.Bucket };
        var deployed = new List<string>();
        foreach (var region in placement.Regions.Skip(1))
        {
            progress?.Report($"Deploying {workflowId} to {region}");
            var (_, summary) = await regions.DeployAsync(workflow.Definition, workflow.PackageDirectory, workflow.Info.ContentHash, region, shared, deploy, cancellationToken).ConfigureAwait(false);
            deployed.Add(summary);
        }
        using var connection = regions.Provider.Connect(home.Region, home.Bucket, shared);
        var idle = await RegionRuns.Explained(connection, $"record the placement of {workflowId} in s3://{connection.Bucket}/{BucketKey(workflowId)}", async () =>
        {
            var unserved = new List<string>();
            foreach (var region in placement.Regions)
            {
                // A Lambda-hosted region is served whenever a task arrives: its mapping invokes the function.
                if (regions.Deployments(workflowId, region).Any(d => d.Compute == Compute.Lambda)) continue;
                progress?.Report($"Looking for workers of {region}");
                var live = await WorkerPresence.LiveAsync(connection.Blobs, region, workflowId, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
                if (live.Count == 0) unserved.Add(region);
            }
            if (unserved.Count > 0 && !force)
            {
                throw new WorkflowException(WorkflowErrors.PlacementRegionHasNoWorker,
                    $"No worker polls {string.Join(", ", unserved)} for '{workflowId}' (none has said so in s3://{connection.Bucket}/workers/ in the last {WorkerPresence.Expiry.TotalSeconds:0} s), so steps placed there would wait for ever. " +
                    $"Start one in each: Start-WorkflowWorker -Region {unserved[0]} -Bucket {connection.Bucket}, or deploy Lambda-hosted workers there with Move-WorkflowDeployment -Compute Lambda; then run Move-WorkflowDeployment again (or add -Force to apply the placement anyway). The queues are deployed; no placement was recorded.",
                    string.Join(", ", unserved));
            }
            await connection.Blobs.PutAsync(BucketKey(workflowId), Encoding.UTF8.GetBytes(PlacementJson.Write(placement)), cancellationToken).ConfigureAwait(false);
            return unserved;
        }, cancellationToken).ConfigureAwait(false);
        store.SavePlacement(placement);
        return new PlacementMove(placement, deployed, idle);
    }

    private IReadOnlyDictionary<string, string> CheckedPlacement(string workflowId, WorkflowDefinition definition, string home, DeploymentPlan plan)
    {
        foreach (var step in plan.Placement.Keys)
        {
            if (definition.FindStep(step) == null)
            {
                throw Invalid(workflowId, $"The plan for hour {plan.Hour} places step '{step}', which '{workflowId}' does not have. Find new plans: Find-WorkflowDeployment -WorkflowId {workflowId}.");
            }
        }
        var disallowed = new HashSet<string>(definition.Regions.Disallowed.Select(regions.Provider.Normalize), StringComparer.OrdinalIgnoreCase);
        var placement = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in definition.Steps)
        {
            var region = plan.Placement.TryGetValue(step.Name, out var planned) ? regions.Provider.Normalize(planned) : home;
            if (disallowed.Contains(region))
            {
                throw Invalid(workflowId, $"The plan for hour {plan.Hour} puts step '{step.Name}' in {region}, which regions.disallowed of '{workflowId}' excludes.");
            }
            if (step.Regions.Count > 0 && !step.Regions.Any(pin => string.Equals(regions.Provider.Normalize(pin), region, StringComparison.OrdinalIgnoreCase)))
            {
                throw Invalid(workflowId, $"The plan for hour {plan.Hour} puts step '{step.Name}' in {region}, but the step is pinned to {string.Join(", ", step.Regions)}.");
            }
            placement[step.Name] = region;
        }
        return placement;
    }

    private static WorkflowException Invalid(string workflowId, string message) => new(WorkflowErrors.PlacementPlanInvalid, message, workflowId);
}
