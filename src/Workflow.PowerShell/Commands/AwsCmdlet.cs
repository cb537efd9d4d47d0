using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Workflow.Aws;
using Workflow.Distributed;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.PowerShell.Commands;

/// <summary>Cmdlets that reach AWS: -ProfileName, -EndpointUrl and -Bucket as AWS.Tools users expect them.</summary>
public abstract class AwsCmdlet : WorkflowCmdlet
{
    /// <summary>The shared-credentials profile to call AWS as (default: the SDK's credential chain).</summary>
    [Parameter]
    public string? ProfileName { get; set; }

    /// <summary>Another S3/SQS endpoint (an emulator, a VPC endpoint); default $env:AWS_ENDPOINT_URL, else AWS's.</summary>
    [Parameter]
    public string? EndpointUrl { get; set; }

    /// <summary>The bucket that holds packages and run state (default $env:WORKFLOW_AWS_BUCKET, else workflow-powershell-&lt;region&gt;).</summary>
    [Parameter]
    public string? Bucket { get; set; }

    /// <summary>Opens a region; a bad region, profile, endpoint or credentials are a WorkflowException saying why.</summary>
    internal AwsRegion ConnectRegion(string region, string? bucket = null) =>
        AwsRegion.Open(AwsConnection.Resolve(region, ProfileName, EndpointUrl), Bucket ?? bucket);

    /// <summary>Opens a region; a bad region, profile, endpoint or credentials stop the cmdlet with a clear error.</summary>
    internal AwsRegion OpenRegion(string region, string? bucket = null)
    {
        try
        {
            return ConnectRegion(region, bucket);
        }
        catch (WorkflowException e)
        {
            Fail(e);
            throw;
        }
    }

    /// <summary>The workflow's deployments recorded in the local store, optionally in one region.</summary>
    internal IReadOnlyList<AwsDeployment> Deployments(string? workflowId, string? region = null) =>
        Engine.Store.GetDeployments(workflowId)
            .Where(d => AwsConnection.IsAws(d.Region) && (region == null || string.Equals(d.Region, Qualified(region), StringComparison.OrdinalIgnoreCase)))
            .Select(d => JsonSerializer.Deserialize<AwsDeployment>(d.RecordJson, DeploymentDirectory.Json)!)
            .ToList();

    /// <summary>
    /// Deployments of these workflows (all when null), optionally in one region; a workflow named
    /// that has none is a WorkflowNotDeployed error of its own.
    /// </summary>
    internal IReadOnlyList<AwsDeployment> DeploymentsOf(string[]? workflowIds, string? region)
    {
        if (workflowIds == null) return Deployments(null, region);
        var found = new List<AwsDeployment>();
        foreach (var id in workflowIds)
        {
            var deployments = Deployments(id, region);
            if (deployments.Count == 0) WriteError(ToErrorRecord(NotDeployed(id, region)));
            found.AddRange(deployments);
        }
        return found;
    }

    /// <summary>The workflow's deployment in the region; WorkflowNotDeployed when this store has none.</summary>
    internal AwsDeployment Deployment(string workflowId, string region) =>
        Deployments(workflowId, region).FirstOrDefault() ?? throw NotDeployed(workflowId, region);

    private static WorkflowException NotDeployed(string workflowId, string? region) =>
        new(WorkflowErrors.WorkflowNotDeployed, region == null
            ? $"Workflow '{workflowId}' is not deployed to any AWS region in this store. Publish it to one first: Publish-Workflow <folder> -Region aws:<region>."
            : $"Workflow '{workflowId}' is not deployed to {Qualified(region)} in this store. Publish it there first: Publish-Workflow <folder> -Region {Qualified(region)}.", workflowId);

    internal static string Qualified(string region) => AwsConnection.IsAws(region) ? region : AwsConnection.Prefix + region;

    internal string PackageCacheFolder => Path.Combine(Engine.Home, "cache", "packages");

    internal RemoteRunSync Sync(AwsRegion region) =>
        new(region.Blobs, Engine.Store, new PackageCache(region.Blobs, PackageCacheFolder));

    /// <summary>
    /// Waits for a run carried on by a region's workers: polls its end in the bucket, then copies its
    /// state and logs into the local store and returns it as stored.
    /// </summary>
    internal WorkflowRun WaitRemote(WorkflowRun run, System.Threading.CancellationToken cancellationToken)
    {
        var deployment = Deployment(run.WorkflowId, run.Owner!);
        using var region = OpenRegion(deployment.Region, deployment.Bucket);
        var keys = new RemoteRunKeys(run.WorkflowId, run.RunId);
        var steps = Math.Max(1, run.Steps.Count);
        async System.Threading.Tasks.Task<RemoteRunEnd> Poll()
        {
            while (true)
            {
                var end = await region.Coordinator(PackageCacheFolder, "session").GetEndAsync(run.WorkflowId, run.RunId, cancellationToken).ConfigureAwait(false);
                if (end != null) return end;
                await System.Threading.Tasks.Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
        var done = 0;
        var lastCount = DateTime.MinValue;
        Wait(Poll(), () =>
        {
            if (DateTime.UtcNow - lastCount > TimeSpan.FromSeconds(1))
            {
                // One LIST a second at most: what the progress bar costs on S3.
                done = region.Blobs.ListAsync(keys.StepsPrefix).GetAwaiter().GetResult().Count;
                lastCount = DateTime.UtcNow;
            }
            return new ProgressRecord(1, $"Run {run.RunId} of {run.WorkflowId} in {run.Owner}", $"{done} of {run.Steps.Count} steps done") { PercentComplete = Math.Min(100, done * 100 / steps) };
        });
        Sync(region).SyncAsync(run.WorkflowId, deployment.Region, new[] { run.RunId }, cancellationToken).GetAwaiter().GetResult();
        return Engine.GetRun(run.RunId);
    }

    internal static void SaveDeployment(IRunStore store, AwsDeployment deployment) =>
        store.SaveDeployment(new DeploymentRecord(deployment.WorkflowId, deployment.Region,
            JsonSerializer.Serialize(deployment, DeploymentDirectory.Json), deployment.PublishedAt));
}
