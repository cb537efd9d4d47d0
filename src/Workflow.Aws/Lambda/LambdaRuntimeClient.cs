using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Distributed;
using Workflow.Model;

namespace Workflow.Aws.Lambda;

/// <summary>One invocation as the Runtime API hands it out: its request id, deadline, function ARN and event.</summary>
public sealed record LambdaInvocationRequest(string RequestId, DateTimeOffset? Deadline, string FunctionArn, string EventJson);

/// <summary>
/// The Lambda Runtime API (2018-06-01) a custom runtime speaks, at <c>AWS_LAMBDA_RUNTIME_API</c>:
/// GET invocation/next, POST invocation/{id}/response and /error, POST init/error.
/// </summary>
public sealed class LambdaRuntimeClient : IFunctionRuntime
{
    private readonly HttpClient http;

    /// <param name="runtimeApi">host:port, as AWS_LAMBDA_RUNTIME_API gives it.</param>
    public LambdaRuntimeClient(string runtimeApi)
    {
        // invocation/next blocks until an event comes (minutes or hours): no client timeout.
        http = new HttpClient { BaseAddress = new Uri($"http://{runtimeApi}/2018-06-01/runtime/"), Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The client for the Runtime API this process was started under; LambdaRuntimeApiMissing outside Lambda.</summary>
    public static LambdaRuntimeClient FromEnvironment() =>
        Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API") is { Length: > 0 } api
            ? new LambdaRuntimeClient(api)
            : throw new WorkflowException(WorkflowErrors.LambdaRuntimeApiMissing,
                "AWS_LAMBDA_RUNTIME_API is not set: Start-WorkflowWorker -LambdaRuntime runs inside a Lambda function (the module's lambda/bootstrap starts it). Deploy the worker with Publish-Workflow -Compute Lambda, or run Start-WorkflowWorker -Region <region> here.", null);

    /// <summary>Waits for the next invocation.</summary>
    public async Task<LambdaInvocationRequest> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("invocation/next", cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var id = Header(response, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new InvalidOperationException("The Runtime API's invocation/next answered without a Lambda-Runtime-Aws-Request-Id header.");
        DateTimeOffset? deadline = null;
        // AWS sends the deadline as Unix milliseconds; a value before 2001 is not one (an emulator's constant).
        if (long.TryParse(Header(response, "Lambda-Runtime-Deadline-Ms"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 978307200000L)
        {
            deadline = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }
        return new LambdaInvocationRequest(id, deadline, Header(response, "Lambda-Runtime-Invoked-Function-Arn") ?? "", body);
    }

    /// <summary>Posts the invocation's result.</summary>
    public Task RespondAsync(string requestId, string json, CancellationToken cancellationToken) =>
        PostAsync($"invocation/{requestId}/response", json, null, cancellationToken);

    /// <summary>Posts the invocation's failure (the mapping then leaves the whole batch to be delivered again).</summary>
    public Task FailAsync(string requestId, string errorType, string message, CancellationToken cancellationToken) =>
        PostAsync($"invocation/{requestId}/error", ErrorJson(errorType, message), errorType, cancellationToken);

    /// <summary>Posts a failure to start (the process then exits; Lambda starts another for the next event).</summary>
    public Task InitErrorAsync(string errorType, string message, CancellationToken cancellationToken) =>
        PostAsync("init/error", ErrorJson(errorType, message), errorType, cancellationToken);

    private async Task PostAsync(string path, string json, string? errorType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (errorType != null) request.Headers.TryAddWithoutValidation("Lambda-Runtime-Function-Error-Type", errorType);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private static string ErrorJson(string errorType, string message) =>
        JsonSerializer.Serialize(new { errorMessage = message, errorType, stackTrace = Array.Empty<string>() });

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Serves invocations through <see cref="LambdaWorkerLoop"/>: the host's worker runs each SQS batch.</summary>
    public Task<int> ServeAsync(RegionHost host, FunctionWorkerSettings settings, Action<WorkerEvent>? report, Action<FunctionInvocationOutcome>? done, CancellationToken stop) =>
        new LambdaWorkerLoop(this, host, settings).RunAsync(report, done, stop);

    public void Dispose() => http.Dispose();
}
