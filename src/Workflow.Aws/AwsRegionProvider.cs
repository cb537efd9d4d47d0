using System;
using System.Text.Json;
using Workflow.Distributed;
using Workflow.Store;

namespace Workflow.Aws;

/// <summary>AWS regions (aws:us-east-1) as the engine's region port: S3 for packages and run state, SQS for tasks.</summary>
public sealed class AwsRegionProvider : IRegionProvider
{
    public static AwsRegionProvider Instance { get; } = new();

    public bool Serves(string region) => AwsConnection.IsAws(region);

    public string Normalize(string region) => AwsConnection.Prefix + AwsConnection.CheckRegion(region);

    public RegionDeployment ReadDeployment(DeploymentRecord record)
    {
        var deployment = JsonSerializer.Deserialize<AwsDeployment>(record.RecordJson, DeploymentDirectory.Json)!;
        return new RegionDeployment(deployment.WorkflowId, deployment.Region, deployment.Bucket, deployment.ContentHash, deployment.PublishedAt,
            deployment.Compute, deployment.FunctionName);
    }

    /// <summary>Resolves credentials, profile and endpoint now: a bad one is a WorkflowException saying which.</summary>
    public IRegionConnection Connect(string region, string? bucket, RegionAccess access) =>
        AwsRegion.Open(AwsConnection.Resolve(region, access.ProfileName, access.EndpointUrl), access.Bucket ?? bucket);

    internal static DeploymentRecord ToRecord(AwsDeployment deployment) =>
        new(deployment.WorkflowId, deployment.Region, JsonSerializer.Serialize(deployment, DeploymentDirectory.Json), deployment.PublishedAt);
}
