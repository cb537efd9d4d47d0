using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflow.Aws.Lambda;

/// <summary>
/// The Lambda API operations (2015-03-31) the module uses to host a region's workers as functions.
/// The package mirror serves no AWSSDK.Lambda, so <c>LambdaRestClient</c> calls the REST API
/// itself, signed with AWSSDK.Core's SigV4; an adapter over AmazonLambdaClient can replace it the
/// day the SDK is served. Failures the service reports are <see cref="LambdaApiException"/>.
/// </summary>
public interface ILambdaApi
{
    Task<LambdaFunction> CreateFunctionAsync(LambdaFunctionSpec spec, CancellationToken cancellationToken);

    /// <summary>The function's configuration; null when there is none of that name.</summary>
    Task<LambdaFunction?> GetFunctionAsync(string functionName, CancellationToken cancellationToken);

    Task<LambdaFunction> UpdateFunctionCodeAsync(string functionName, byte[] zipFile, CancellationToken cancellationToken);

    /// <summary>Sets the spec's handler, runtime, role, memory, timeout, environment and layers (not its code).</summary>
    Task<LambdaFunction> UpdateFunctionConfigurationAsync(LambdaFunctionSpec spec, CancellationToken cancellationToken);

    /// <summary>Deletes the function; false when there was none of that name.</summary>
    Task<bool> DeleteFunctionAsync(string functionName, CancellationToken cancellationToken);

    /// <summary>A synchronous (RequestResponse) invocation.</summary>
    Task<LambdaInvocation> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken);

    Task<EventSourceMapping> CreateEventSourceMappingAsync(EventSourceMappingSpec spec, CancellationToken cancellationToken);

    /// <summary>The mappings of one function (all its pages).</summary>
    Task<IReadOnlyList<EventSourceMapping>> ListEventSourceMappingsAsync(string functionName, CancellationToken cancellationToken);

    /// <summary>Deletes the mapping; false when there was none of that id.</summary>
    Task<bool> DeleteEventSourceMappingAsync(string uuid, CancellationToken cancellationToken);
}

/// <summary>What CreateFunction and UpdateFunctionConfiguration send (AWS's member names).</summary>
public sealed record LambdaFunctionSpec
{
    public string FunctionName { get; init; } = "";
    /// <summary>A custom runtime: the zip's <c>bootstrap</c> speaks the Runtime API.</summary>
    public string Runtime { get; init; } = "provided.al2023";
    public string Handler { get; init; } = "bootstrap";
    /// <summary>The execution role's ARN.</summary>
    public string Role { get; init; } = "";
    public int MemorySize { get; init; } = 512;
    /// <summary>Seconds (1–900).</summary>
    public int Timeout { get; init; } = 300;
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary>The deployment package (CreateFunction's Code.ZipFile, base64 on the wire).</summary>
    public byte[] ZipFile { get; init; } = Array.Empty<byte>();
    /// <summary>Layer version ARNs, e.g. one that brings pwsh.</summary>
    public IReadOnlyList<string> Layers { get; init; } = Array.Empty<string>();
    public string? Description { get; init; }
}

/// <summary>A function's configuration as the service returns it (FunctionConfiguration).</summary>
public sealed record LambdaFunction
{
    public string FunctionName { get; init; } = "";
    public string FunctionArn { get; init; } = "";
    public string Runtime { get; init; } = "";
    public string Handler { get; init; } = "";
    public int MemorySize { get; init; }
    public int Timeout { get; init; }
    public string CodeSha256 { get; init; } = "";
    public long CodeSize { get; init; }
    /// <summary>Pending, Active, Inactive, Failed.</summary>
    public string State { get; init; } = "";
    /// <summary>InProgress, Successful, Failed.</summary>
    public string LastUpdateStatus { get; init; } = "";
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

/// <summary>What Invoke returned: the status, X-Amz-Function-Error (Unhandled, Handled) and the payload.</summary>
public sealed record LambdaInvocation(int StatusCode, string? FunctionError, string Payload, string? ExecutedVersion);

/// <summary>What CreateEventSourceMapping sends for an SQS queue.</summary>
public sealed record EventSourceMappingSpec
{
    public string FunctionName { get; init; } = "";
    /// <summary>The queue's ARN (arn:aws:sqs:region:account:name).</summary>
    public string EventSourceArn { get; init; } = "";
    public int BatchSize { get; init; } = 10;
    public int MaximumBatchingWindowInSeconds { get; init; }
    public bool Enabled { get; init; } = true;
    /// <summary>ReportBatchItemFailures: the function names the messages to keep; the rest are deleted.</summary>
    public IReadOnlyList<string> FunctionResponseTypes { get; init; } = new[] { "ReportBatchItemFailures" };
}

/// <summary>An event-source mapping as the service returns it (EventSourceMappingConfiguration).</summary>
public sealed record EventSourceMapping
{
    public string Uuid { get; init; } = "";
    public string EventSourceArn { get; init; } = "";
    public string FunctionArn { get; init; } = "";
    public int BatchSize { get; init; }
    /// <summary>Creating, Enabling, Enabled, Disabling, Disabled, Updating, Deleting.</summary>
    public string State { get; init; } = "";
    public IReadOnlyList<string> FunctionResponseTypes { get; init; } = Array.Empty<string>();
}

/// <summary>An error the Lambda service returned: its type (ResourceNotFoundException, …), HTTP status and message.</summary>
public sealed class LambdaApiException : Exception
{
    public LambdaApiException(string errorType, int statusCode, string message, Exception? inner = null)
        : base($"{errorType} ({statusCode}): {message}", inner)
    {
        ErrorType = errorType;
        StatusCode = statusCode;
    }

    public string ErrorType { get; }
    public int StatusCode { get; }
}
