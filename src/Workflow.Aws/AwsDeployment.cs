using System;
using Workflow.Model;

namespace Workflow.Aws;

/// <summary>
/// A workflow published to one AWS region: its package in the region's bucket, its task queue and
/// dead-letter queue. Kept in the bucket (deployments/&lt;id&gt;.json, so every worker finds it) and
/// in the local store.
/// </summary>
public sealed record AwsDeployment
{
    public string WorkflowId { get; init; } = "";
    public string ContentHash { get; init; } = "";
    /// <summary>aws:us-east-1</summary>
    public string Region { get; init; } = "";
    public string Bucket { get; init; } = "";
    public string QueueUrl { get; init; } = "";
    public string DeadLetterQueueUrl { get; init; } = "";
    /// <summary>Deliveries of a task before SQS moves it to the dead-letter queue.</summary>
    public int MaxReceiveCount { get; init; }
    public DateTimeOffset PublishedAt { get; init; }
    /// <summary>What runs the tasks: Start-WorkflowWorker processes, or the worker function below.</summary>
    public Compute Compute { get; init; } = Compute.Workers;
    /// <summary>Compute Lambda: the worker function, its ARN and the SQS event-source mapping that triggers it.</summary>
    public string? FunctionName { get; init; }
    public string? FunctionArn { get; init; }
    public string? EventSourceMappingUuid { get; init; }

    /// <summary>
    /// The object key of a workflow's deployment record in its bucket, per region: the regions a
    /// placement uses share the home region's bucket (run state, packages), each with its own queues.
    /// </summary>
    public static string Key(string workflowId, string region) => $"deployments/{AwsConnection.CheckRegion(region)}/{workflowId}.json";

    /// <summary>SQS queue names allow letters, digits, '-' and '_' (80 at most).</summary>
    public static string QueueName(string workflowId, bool deadLetter)
    {
        var name = "workflow-" + workflowId.Replace('.', '_');
        if (name.Length > 76) name = name.Substring(0, 76);
        return deadLetter ? name + "-dlq" : name;
    }
}
