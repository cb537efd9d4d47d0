using System;

namespace Workflow.Model;

/// <summary>What runs a region's tasks (Publish-Workflow -Compute).</summary>
public enum Compute
{
    /// <summary>Start-WorkflowWorker processes that poll the region's queue (run them wherever you like).</summary>
    Workers,
    /// <summary>A Lambda function the deployment creates, triggered by an SQS event-source mapping on the task queue.</summary>
    Lambda,
}

/// <summary>One region a workflow is deployed to, as Get-Workflow shows it in Deployments.</summary>
public sealed record WorkflowDeployment
{
    public string WorkflowId { get; init; } = "";
    /// <summary>aws:us-east-1</summary>
    public string Region { get; init; } = "";
    public string Bucket { get; init; } = "";
    public Compute Compute { get; init; }
    /// <summary>The worker function (Compute Lambda), else null.</summary>
    public string? FunctionName { get; init; }
    public DateTimeOffset PublishedAt { get; init; }
}
