using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Distributed;
using Workflow.Model;

namespace Workflow.Aws.Lambda;

/// <summary>
/// A region's workers as a Lambda function (Publish-Workflow -Compute Lambda): the function runs the
/// module's lambda/bootstrap (Start-WorkflowWorker -LambdaRuntime) and an SQS event-source mapping on
/// the workflow's task queue triggers it, reporting batch item failures. Publishing again updates the
/// code (when it changed) and the configuration and keeps one mapping; removing deletes both.
/// </summary>
internal sealed class LambdaWorkers : IDisposable
{
    /// <summary>Lambda's longest timeout (15 minutes).</summary>
    public const int MaxTimeoutSeconds = 900;
    /// <summary>Records an invocation is handed at most (the mapping's BatchSize), each run on a lane of its own.</summary>
    public const int BatchSize = 10;
    /// <summary>Seconds a function gets beyond its longest step: the cold start and the run-state writes.</summary>
    public const int Headroom = 60;
    /// <summary>The role a function gets on an endpoint that is not AWS's (an emulator checks only its form).</summary>
    public const string EmulatorRole = "arn:aws:iam::000000000000:role/workflow-powershell-worker";
    private readonly AwsRegion region;
    private readonly ILambdaApi lambda;

    public LambdaWorkers(AwsRegion region, ILambdaApi lambda)
    {
        this.region = region;
        this.lambda = lambda;
    }

    /// <summary>The region's Lambda, at AWS_ENDPOINT_URL_LAMBDA, else the connection's endpoint, else AWS's.</summary>
    public static LambdaWorkers Open(AwsRegion region) => new(region, LambdaRestClient.Create(region.Connection));

    /// <summary>
    /// The deployment as the options' compute wants it: Compute Lambda deploys the worker function;
    /// Compute Workers where the last publish made a function deletes it and its mapping (the
    /// workers take the queue's tasks from now on). Returns a line saying what was done, if anything.
    /// </summary>
    public static async Task<(AwsDeployment Deployment, string? Summary)> ApplyAsync(AwsRegion region, WorkflowDefinition definition, AwsDeployment deployment, DeployOptions options, CancellationToken cancellationToken)
    {
        if (options.Compute == Compute.Lambda)
        {
            using var lambda = Open(region);
            return await lambda.DeployAsync(definition, deployment, options, cancellationToken).ConfigureAwait(false);
        }
        region.Deployments.Invalidate();
        var previous = (await region.Deployments.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(d => d.WorkflowId == definition.WorkflowId);
        if (previous is not { Compute: Compute.Lambda }) return (deployment, null);
        using (var lambda = Open(region))
        {
            await lambda.RemoveAsync(previous, cancellationToken).ConfigureAwait(false);
        }
        return (deployment, $"Lambda function {previous.FunctionName} and its mapping deleted: workers take the queue's tasks");
    }

    /// <summary>What removing a deployment deletes in Lambda, first (for -WhatIf).</summary>
    public static IReadOnlyList<string> RemovalPlan(AwsDeployment deployment) =>
        deployment.Compute != Compute.Lambda ? Array.Empty<string>() : new[]
        {
            $"Lambda event-source mapping {deployment.EventSourceMappingUuid}",
            $"Lambda function {deployment.FunctionName} ({deployment.FunctionArn})",
        };

    public void Dispose() => (lambda as IDisposable)?.Dispose();

    /// <summary>Lambda function names: letters, digits, '-' and '_', 64 at most; the workflow id and the region, shortened with a hash when too long.</summary>
    public static string FunctionName(string workflowId, string region)
    {
        var id = new string(workflowId.Select(c => char.IsLetterOrDigit(c) || c == '-' ? c : '_').ToArray());
        var name = $"workflow-{id}-{region}";
        if (name.Length <= 64) return name;
        using var sha = SHA256.Create();
        var hash = string.Concat(sha.ComputeHash(Encoding.UTF8.GetBytes(workflowId)).Take(4).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        var room = 64 - "workflow-".Length - 1 - hash.Length - 1 - region.Length;
        return $"workflow-{id.Substring(0, room)}-{hash}-{region}";
    }

    /// <summary>The function's memory: the largest memory_mb of the workflow's steps (or its defaults), within Lambda's 128–10240 MB.</summary>
    public static int MemorySize(WorkflowDefinition definition) =>
        Math.Min(10240, Math.Max(128, definition.Steps.Count > 0 ? definition.Steps.Max(s => s.MemoryMb) : definition.Defaults.MemoryMb));

    /// <summary>The function's timeout: the longest step timeout and <see cref="Headroom"/>, at most 900 s.</summary>
    public static int TimeoutSeconds(WorkflowDefinition definition, out bool capped)
    {
        var longest = definition.Steps.Count > 0 ? definition.Steps.Max(s => s.Timeout) : definition.Defaults.Timeout;
        var wanted = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(longest.TotalSeconds)) + Headroom;
        capped = wanted > MaxTimeoutSeconds;
        return Math.Min(MaxTimeoutSeconds, wanted);
    }

    /// <summary>
    /// The function's execution role: -LambdaRole; off AWS (an emulator) a placeholder of the right
    /// form; on AWS's own endpoint without one, LambdaRoleRequired (checked before anything is made).
    /// </summary>
    public static string Role(AwsRegion region, string workflowId, DeployOptions options) =>
        options.LambdaRole ?? (region.Connection.LambdaEndpoint != null ? EmulatorRole
            : throw new WorkflowException(WorkflowErrors.LambdaRoleRequired,
                $"Publishing '{workflowId}' to {region.Region} with -Compute Lambda needs the worker function's execution role: give -LambdaRole arn:aws:iam::<account>:role/<name>, a role Lambda can assume that may receive, delete, send and change the visibility of messages on the workflow's SQS queues and read and write bucket '{region.Bucket}'. Nothing was deployed.", workflowId));

    /// <summary>Creates or updates the function and its mapping for the deployment's queues; returns the deployment with them, and a line saying what was done.</summary>
    public async Task<(AwsDeployment Deployment, string Summary)> DeployAsync(WorkflowDefinition definition, AwsDeployment deployment, DeployOptions options, CancellationToken cancellationToken)
    {
        var name = FunctionName(definition.WorkflowId, region.Connection.Region);
        var role = Role(region, definition.WorkflowId, options);
        var timeout = TimeoutSeconds(definition, out var capped);
        if (capped)
        {
            options.Warnings.Enqueue($"A step of '{definition.WorkflowId}' may run longer than Lambda's 15 minutes: the worker function's timeout is {MaxTimeoutSeconds} s, and a step still running then is ended with its invocation; its task comes back and, after {deployment.MaxReceiveCount} deliveries, goes to the dead-letter queue. Run such steps on workers (-Compute Workers).");
        }
        if (definition.Secrets.Count > 0)
        {
            // Workers read secrets from their own environment; the function's is the deployment's, which holds no secret values.
            options.Warnings.Enqueue($"The worker function of '{definition.WorkflowId}' gets no value for its secrets ({string.Join(", ", definition.Secrets)}): its steps see them unset. Run steps that need them on workers (-Compute Workers), where each worker's environment gives them.");
        }
        var zip = LambdaPackage.Build(options.ModuleFolder);
        var spec = new LambdaFunctionSpec
        {
            FunctionName = name,
            Role = role,
            MemorySize = MemorySize(definition),
            Timeout = timeout,
            Environment = Environment(definition.WorkflowId, timeout),
            ZipFile = zip,
            Layers = options.LambdaLayers,
            Description = $"Workflow.PowerShell worker of {definition.WorkflowId} in {region.Region}",
        };
        return await CallAsync($"deploy Lambda function '{name}'", async () =>
        {
            var existing = await lambda.GetFunctionAsync(name, cancellationToken).ConfigureAwait(false);
            string code;
            LambdaFunction function;
            if (existing == null)
            {
                function = await lambda.CreateFunctionAsync(spec, cancellationToken).ConfigureAwait(false);
                code = "created";
            }
            else
            {
                EnsureOurs(existing, definition.WorkflowId);
                var sha = Convert.ToBase64String(SHA256Of(zip));
                code = sha == existing.CodeSha256 ? "code unchanged" : "code updated";
                if (sha != existing.CodeSha256) await lambda.UpdateFunctionCodeAsync(name, zip, cancellationToken).ConfigureAwait(false);
                await WaitUpdatedAsync(name, cancellationToken).ConfigureAwait(false);
                function = await lambda.UpdateFunctionConfigurationAsync(spec, cancellationToken).ConfigureAwait(false);
            }
            // AWS refuses a mapping on a queue whose visibility timeout is shorter than the function's timeout.
            await region.Sqs.SetQueueAttributesAsync(deployment.QueueUrl, new Dictionary<string, string> { ["VisibilityTimeout"] = Math.Max(60, timeout).ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken).ConfigureAwait(false);
            var queueArn = (await region.Sqs.GetQueueAttributesAsync(deployment.QueueUrl, new List<string> { "QueueArn" }, cancellationToken).ConfigureAwait(false)).QueueARN;
            var mappings = await lambda.ListEventSourceMappingsAsync(name, cancellationToken).ConfigureAwait(false);
            var kept = mappings.FirstOrDefault(m => m.EventSourceArn == queueArn);
            foreach (var other in mappings.Where(m => m != kept))
            {
                await lambda.DeleteEventSourceMappingAsync(other.Uuid, cancellationToken).ConfigureAwait(false);
            }
            kept ??= await lambda.CreateEventSourceMappingAsync(new EventSourceMappingSpec { FunctionName = name, EventSourceArn = queueArn, BatchSize = BatchSize }, cancellationToken).ConfigureAwait(false);
            var summary = $"Lambda function {name} ({code}; {spec.MemorySize} MB, {timeout} s), triggered by mapping {kept.Uuid} on {queueArn}";
            return (deployment with { Compute = Compute.Lambda, FunctionName = name, FunctionArn = function.FunctionArn, EventSourceMappingUuid = kept.Uuid }, summary);
        }).ConfigureAwait(false);
    }

    /// <summary>Deletes the deployment's mapping (no more invocations), then its function; either being gone already is fine.</summary>
    public Task RemoveAsync(AwsDeployment deployment, CancellationToken cancellationToken) =>
        CallAsync($"delete Lambda function '{deployment.FunctionName}'", async () =>
        {
            if (deployment.FunctionName == null) return 0;
            IReadOnlyList<EventSourceMapping> mappings;
            try
            {
                mappings = await lambda.ListEventSourceMappingsAsync(deployment.FunctionName, cancellationToken).ConfigureAwait(false);
            }
            catch (LambdaApiException e) when (e.ErrorType == "ResourceNotFoundException")
            {
                mappings = Array.Empty<EventSourceMapping>(); // the function went already; its recorded mapping is deleted below
            }
            foreach (var uuid in mappings.Select(m => m.Uuid).Concat(new[] { deployment.EventSourceMappingUuid }).Where(u => !string.IsNullOrEmpty(u)).Distinct())
            {
                await lambda.DeleteEventSourceMappingAsync(uuid!, cancellationToken).ConfigureAwait(false);
            }
            await lambda.DeleteFunctionAsync(deployment.FunctionName, cancellationToken).ConfigureAwait(false);
            return 0;
        });

    /// <summary>What the bootstrap needs: region, bucket, workflow (also the mark of the function's owner), timeout, lanes and a non-AWS endpoint. Never a secret's value.</summary>
    private IReadOnlyDictionary<string, string> Environment(string workflowId, int timeout)
    {
        var variables = new Dictionary<string, string>
        {
            ["WORKFLOW_REGION"] = region.Region,
            ["WORKFLOW_AWS_BUCKET"] = region.Bucket,
            ["WORKFLOW_ID"] = workflowId,
            ["WORKFLOW_LAMBDA_TIMEOUT"] = timeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WORKFLOW_LAMBDA_CONCURRENCY"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        // The function reaches the bucket and queues where this session does (an emulator); on AWS it needs no endpoint.
        if (region.Connection.EndpointUrl is { } endpoint) variables["AWS_ENDPOINT_URL"] = endpoint;
        foreach (var name in new[] { "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_SQS" })
        {
            if (region.Connection.EndpointUrl == null && System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) variables[name] = value;
        }
        return variables;
    }

    private void EnsureOurs(LambdaFunction existing, string workflowId)
    {
        existing.Environment.TryGetValue("WORKFLOW_ID", out var owner);
        existing.Environment.TryGetValue("WORKFLOW_AWS_BUCKET", out var bucket);
        if (owner == workflowId && bucket == region.Bucket) return;
        var whose = owner == null ? "was not made by Workflow.PowerShell" : $"is the worker of '{owner}' with bucket '{bucket}'";
        throw new WorkflowException(WorkflowErrors.LambdaFunctionNotOurs,
            $"Lambda function '{existing.FunctionName}' in {region.Region} exists and {whose}. Delete or rename that function, or publish from the store that owns it; nothing was changed in Lambda.", existing.FunctionName);
    }

    /// <summary>Waits (up to a minute) while an update of the function is in progress: AWS refuses the next one until then.</summary>
    private async Task WaitUpdatedAsync(string name, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 60; i++)
        {
            var now = await lambda.GetFunctionAsync(name, cancellationToken).ConfigureAwait(false);
            if (now == null || (now.State != "Pending" && now.LastUpdateStatus != "InProgress")) return;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private static byte[] SHA256Of(byte[] bytes)
    {
        using var sha = SHA256.Create();
        return sha.ComputeHash(bytes);
    }

    /// <summary>Lambda's errors as the module's: LambdaCallFailed with the service's type, or the endpoint unreachable.</summary>
    private async Task<T> CallAsync<T>(string doing, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (LambdaApiException e)
        {
            throw new WorkflowException(WorkflowErrors.LambdaCallFailed,
                $"Lambda could not {doing} in {region.Region}: {e.ErrorType}: {e.Message.TrimEnd('.')}. {Hint(e)}", e.ErrorType, e);
        }
        catch (HttpRequestException e)
        {
            var endpoint = region.Connection.LambdaEndpoint ?? $"AWS's Lambda endpoint for {region.Connection.Region}";
            throw new WorkflowException(WorkflowErrors.AwsEndpointUnreachable,
                $"Cannot reach {endpoint} to {doing}: {e.Message.TrimEnd('.')}. Check AWS_ENDPOINT_URL_LAMBDA (or -EndpointUrl) and the network.", endpoint, e);
        }
    }

    private static string Hint(LambdaApiException e) => e.ErrorType switch
    {
        "AccessDeniedException" => "Check that the credentials may manage Lambda functions and pass the role (iam:PassRole).",
        "InvalidParameterValueException" => "Check -LambdaRole and -LambdaLayer: the role must exist and be assumable by Lambda, the layers must be version ARNs of this region.",
        "ResourceConflictException" => "Another change of the function is in progress: publish again in a minute.",
        _ => "Publish again; if it persists, check the function in the Lambda console.",
    };
}
