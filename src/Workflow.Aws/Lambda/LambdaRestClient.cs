using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Amazon.Runtime;
using Workflow.Model;

namespace Workflow.Aws.Lambda;

/// <summary>
/// The Lambda REST API (2015-03-31) over HttpClient and System.Text.Json, signed with SigV4.
/// Hand-written because the package mirror serves no AWSSDK.Lambda: paths, methods and member names
/// are those of AWS's model (botocore's lambda/2015-03-31/service-2.json). An adapter over
/// AmazonLambdaClient can replace it behind <see cref="ILambdaApi"/> the day the SDK is served.
/// Throttling (429) and server errors (500, 502, 503, 504) are retried with exponential backoff and
/// full jitter, honouring Retry-After, as the SDKs do; so are calls that could not connect.
/// </summary>
public sealed class LambdaRestClient : ILambdaApi, IDisposable
{
    /// <summary>The service-specific endpoint variable the AWS SDKs and CLI honour.</summary>
    public const string EndpointVariable = "AWS_ENDPOINT_URL_LAMBDA";
    private const string Version = "/2015-03-31";
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(60);
    // Lambda's longest function timeout (900 s) and a margin: a synchronous Invoke waits for the function.
    private static readonly TimeSpan InvokeTimeout = TimeSpan.FromSeconds(960);

    private readonly HttpClient http;
    private readonly AWSCredentials credentials;
    private readonly Random jitter = new();

    /// <param name="endpoint">The Lambda endpoint (https://lambda.us-east-1.amazonaws.com, or an emulator's).</param>
    /// <param name="region">The region the requests are signed for.</param>
    /// <param name="credentials">The credentials to sign with (refreshed per call when they expire).</param>
    /// <param name="handler">The HTTP handler, when not the default.</param>
    /// <param name="retry">How often and how long to back off; <see cref="LambdaRetryPolicy.Default"/> when null.</param>
    public LambdaRestClient(Uri endpoint, string region, AWSCredentials credentials, HttpMessageHandler? handler = null, LambdaRetryPolicy? retry = null)
    {
        Endpoint = endpoint;
        Region = region;
        this.credentials = credentials;
        Retry = retry ?? LambdaRetryPolicy.Default;
        http = handler == null ? new HttpClient() : new HttpClient(handler);
        http.Timeout = Timeout.InfiniteTimeSpan; // each call has its own
    }

    public Uri Endpoint { get; }
    public string Region { get; }
    public LambdaRetryPolicy Retry { get; }

    /// <summary>
    /// A client for the connection's region and credentials. The endpoint: <paramref name="endpointUrl"/>,
    /// else AWS_ENDPOINT_URL_LAMBDA, else the connection's endpoint (-EndpointUrl or AWS_ENDPOINT_URL),
    /// else the region's https://lambda.&lt;region&gt;.amazonaws.com. Lambda's own variable comes before the
    /// connection's endpoint because that one often names an S3/SQS emulator that has no Lambda.
    /// </summary>
    public static LambdaRestClient Create(AwsConnection connection, string? endpointUrl = null, HttpMessageHandler? handler = null) =>
        new(ResolveEndpoint(connection.Region, endpointUrl, Environment.GetEnvironmentVariable(EndpointVariable), connection.EndpointUrl),
            connection.Region, connection.Credentials, handler);

    /// <summary>The endpoint from the explicit URL, the Lambda variable, the connection's URL or the region, in that order.</summary>
    public static Uri ResolveEndpoint(string region, string? explicitUrl, string? lambdaVariable, string? connectionUrl)
    {
        var (url, source) = explicitUrl is { Length: > 0 } ? (explicitUrl, "-EndpointUrl")
            : lambdaVariable is { Length: > 0 } ? (lambdaVariable, EndpointVariable)
            : connectionUrl is { Length: > 0 } ? (connectionUrl, "-EndpointUrl or AWS_ENDPOINT_URL")
            : ($"https://lambda.{region}.amazonaws.com", "the region");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new WorkflowException(WorkflowErrors.AwsEndpointInvalid,
                $"The Lambda endpoint '{url}' (from {source}) is not an absolute http(s) URL. Give one like http://127.0.0.1:9001.", url);
        }
        return uri;
    }

    public async Task<LambdaFunction> CreateFunctionAsync(LambdaFunctionSpec spec, CancellationToken cancellationToken)
    {
        CheckName(spec.FunctionName, "create a function");
        var response = await SendAsync("CreateFunction", HttpMethod.Post, Version + "/functions", null, LambdaJson.Bytes(LambdaJson.CreateFunction(spec)), null, cancellationToken).ConfigureAwait(false);
        return LambdaJson.Function(LambdaJson.Parse(response.Body, "CreateFunction"));
    }

    public async Task<LambdaFunction?> GetFunctionAsync(string functionName, CancellationToken cancellationToken)
    {
        CheckName(functionName, "read a function");
        try
        {
            var response = await SendAsync("GetFunction", HttpMethod.Get, FunctionPath(functionName), null, null, null, cancellationToken).ConfigureAwait(false);
            return LambdaJson.Function(LambdaJson.Parse(response.Body, "GetFunction")?["Configuration"]);
        }
        catch (LambdaApiException e) when (e.ErrorType == "ResourceNotFoundException")
        {
            return null;
        }
    }

    public async Task<LambdaFunction> UpdateFunctionCodeAsync(string functionName, byte[] zipFile, CancellationToken cancellationToken)
    {
        CheckName(functionName, "update a function's code");
        var response = await SendAsync("UpdateFunctionCode", HttpMethod.Put, FunctionPath(functionName) + "/code", null, LambdaJson.Bytes(LambdaJson.UpdateCode(zipFile)), null, cancellationToken).ConfigureAwait(false);
        return LambdaJson.Function(LambdaJson.Parse(response.Body, "UpdateFunctionCode"));
    }

    public async Task<LambdaFunction> UpdateFunctionConfigurationAsync(LambdaFunctionSpec spec, CancellationToken cancellationToken)
    {
        CheckName(spec.FunctionName, "update a function's configuration");
        var response = await SendAsync("UpdateFunctionConfiguration", HttpMethod.Put, FunctionPath(spec.FunctionName) + "/configuration", null, LambdaJson.Bytes(LambdaJson.Settings(spec)), null, cancellationToken).ConfigureAwait(false);
        return LambdaJson.Function(LambdaJson.Parse(response.Body, "UpdateFunctionConfiguration"));
    }

    public async Task<bool> DeleteFunctionAsync(string functionName, CancellationToken cancellationToken)
    {
        CheckName(functionName, "delete a function");
        try
        {
            await SendAsync("DeleteFunction", HttpMethod.Delete, FunctionPath(functionName), null, null, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (LambdaApiException e) when (e.ErrorType == "ResourceNotFoundException")
        {
            return false;
        }
    }

    public async Task<LambdaInvocation> InvokeAsync(string functionName, string payloadJson, CancellationToken cancellationToken)
    {
        CheckName(functionName, "invoke a function");
        var headers = new Dictionary<string, string> { ["X-Amz-Invocation-Type"] = "RequestResponse" };
        var response = await SendAsync("Invoke", HttpMethod.Post, FunctionPath(functionName) + "/invocations", null, Encoding.UTF8.GetBytes(payloadJson), headers, cancellationToken).ConfigureAwait(false);
        return new LambdaInvocation((int)response.Status, response.Header("X-Amz-Function-Error"), Encoding.UTF8.GetString(response.Body), response.Header("X-Amz-Executed-Version"));
    }

    public async Task<EventSourceMapping> CreateEventSourceMappingAsync(EventSourceMappingSpec spec, CancellationToken cancellationToken)
    {
        CheckName(spec.FunctionName, "map an event source to a function");
        var response = await SendAsync("CreateEventSourceMapping", HttpMethod.Post, Version + "/event-source-mappings/", null, LambdaJson.Bytes(LambdaJson.CreateEventSourceMapping(spec)), null, cancellationToken).ConfigureAwait(false);
        return LambdaJson.Mapping(LambdaJson.Parse(response.Body, "CreateEventSourceMapping"));
    }

    public async Task<IReadOnlyList<EventSourceMapping>> ListEventSourceMappingsAsync(string functionName, CancellationToken cancellationToken)
    {
        CheckName(functionName, "list a function's event-source mappings");
        var mappings = new List<EventSourceMapping>();
        string? marker = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("FunctionName", functionName) };
            if (marker != null) query.Add(new("Marker", marker));
            var response = await SendAsync("ListEventSourceMappings", HttpMethod.Get, Version + "/event-source-mappings/", query, null, null, cancellationToken).ConfigureAwait(false);
            var page = LambdaJson.Parse(response.Body, "ListEventSourceMappings");
            mappings.AddRange((page?["EventSourceMappings"]?.AsArray() ?? new System.Text.Json.Nodes.JsonArray()).Select(LambdaJson.Mapping));
            marker = page?["NextMarker"]?.GetValue<string>() is { Length: > 0 } next ? next : null;
        }
        while (marker != null);
        return mappings;
    }

    public async Task<bool> DeleteEventSourceMappingAsync(string uuid, CancellationToken cancellationToken)
    {
        CheckName(uuid, "delete an event-source mapping");
        try
        {
            await SendAsync("DeleteEventSourceMapping", HttpMethod.Delete, Version + "/event-source-mappings/" + Uri.EscapeDataString(uuid), null, null, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (LambdaApiException e) when (e.ErrorType == "ResourceNotFoundException")
        {
            return false;
        }
    }

    public void Dispose() => http.Dispose();

    private static string FunctionPath(string functionName) => Version + "/functions/" + SigV4Signer.Encode(functionName, keepSlash: false);

    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new WorkflowException(WorkflowErrors.LambdaNameMissing,
                $"Cannot {what} without a name: give the function's name or ARN (or the mapping's UUID).", name);
        }
    }

    /// <summary>Sends one operation, signed afresh on each try, retrying throttling, server errors and failed connections.</summary>
    private async Task<LambdaResponse> SendAsync(
        string operation, HttpMethod method, string path, IReadOnlyList<KeyValuePair<string, string>>? query, byte[]? body,
        IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var timeout = operation == "Invoke" ? InvokeTimeout : ControlTimeout;
        for (var attempt = 0; ; attempt++)
        {
            LambdaResponse response;
            try
            {
                using var request = await SignedRequestAsync(method, path, query ?? Array.Empty<KeyValuePair<string, string>>(), body, headers, cancellationToken).ConfigureAwait(false);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(timeout);
                try
                {
                    using var answer = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
                    response = await LambdaResponse.ReadAsync(answer).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new WorkflowException(WorkflowErrors.AwsEndpointUnreachable,
                        $"Lambda at {Endpoint} did not answer {operation} within {timeout.TotalSeconds:0} s. Check {EndpointVariable} or -EndpointUrl and the network.", Endpoint.ToString(), e);
                }
            }
            catch (HttpRequestException e)
            {
                if (attempt < Retry.MaxRetries)
                {
                    await Task.Delay(Backoff(attempt, null), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw new WorkflowException(WorkflowErrors.AwsEndpointUnreachable,
                    $"Cannot reach Lambda at {Endpoint} to {operation}: {Innermost(e).Message.TrimEnd('.')}. Check {EndpointVariable} or -EndpointUrl and the network.", Endpoint.ToString(), e);
            }
            if ((int)response.Status < 300) return response;
            var (type, message) = LambdaJson.Error(response.Header("x-amzn-ErrorType"), response.Body, (int)response.Status);
            if (Retryable(response.Status) && attempt < Retry.MaxRetries)
            {
                await Task.Delay(Backoff(attempt, response.Header("Retry-After")), cancellationToken).ConfigureAwait(false);
                continue;
            }
            throw new LambdaApiException(type, (int)response.Status, message);
        }
    }

    private async Task<HttpRequestMessage> SignedRequestAsync(
        HttpMethod method, string path, IReadOnlyList<KeyValuePair<string, string>> query, byte[]? body,
        IReadOnlyDictionary<string, string>? extra, CancellationToken cancellationToken)
    {
        var identity = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var queryText = SigV4Signer.CanonicalQuery(query);
        var request = new HttpRequestMessage(method, new Uri(Endpoint, path + (queryText.Length > 0 ? "?" + queryText : "")));
        var now = DateTime.UtcNow;
        var signed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = request.RequestUri!.Authority,
            ["x-amz-date"] = SigV4Signer.AmzDate(now),
        };
        if (identity.UseToken) signed["x-amz-security-token"] = identity.Token;
        if (body != null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            signed["content-type"] = "application/json";
        }
        foreach (var pair in extra ?? new Dictionary<string, string>()) signed[pair.Key] = pair.Value;
        var payloadHash = body == null ? SigV4Signer.EmptyPayloadHash : SigV4Signer.Sha256Hex(body);
        var signature = SigV4Signer.Sign(method.Method, request.RequestUri.AbsolutePath, query, signed, payloadHash,
            identity.AccessKey, identity.SecretKey, Region, "lambda", now);
        foreach (var pair in signed.Where(p => p.Key is not "host" and not "content-type"))
        {
            request.Headers.TryAddWithoutValidation(pair.Key, pair.Value);
        }
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        return request;
    }

    private static bool Retryable(HttpStatusCode status) =>
        (int)status is 429 or 500 or 502 or 503 or 504;

    private TimeSpan Backoff(int attempt, string? retryAfter)
    {
        if (int.TryParse(retryAfter, out var seconds) && seconds >= 0) return TimeSpan.FromSeconds(Math.Min(seconds, Retry.MaxDelay.TotalSeconds));
        var ceiling = Math.Min(Retry.MaxDelay.TotalMilliseconds, Retry.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt));
        lock (jitter) return TimeSpan.FromMilliseconds(ceiling / 2 + jitter.NextDouble() * ceiling / 2);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }
}

/// <summary>How <see cref="LambdaRestClient"/> retries throttled, failed or unreachable calls.</summary>
/// <param name="MaxRetries">Retries after the first try.</param>
/// <param name="BaseDelay">The first backoff's ceiling; each retry doubles it, up to <paramref name="MaxDelay"/>.</param>
/// <param name="MaxDelay">The longest wait between tries.</param>
public sealed record LambdaRetryPolicy(int MaxRetries, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>4 retries from 200 ms, doubling, at most 5 s apart: a call gives up after about 3 s of throttling.</summary>
    public static LambdaRetryPolicy Default { get; } = new(4, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
}

/// <summary>A read answer: status, headers (copied, as the message is disposed) and body.</summary>
internal sealed class LambdaResponse
{
    private readonly Dictionary<string, string> headers;

    private LambdaResponse(HttpStatusCode status, Dictionary<string, string> headers, byte[] body)
    {
        Status = status;
        this.headers = headers;
        Body = body;
    }

    public HttpStatusCode Status { get; }
    public byte[] Body { get; }

    public static async Task<LambdaResponse> ReadAsync(HttpResponseMessage message)
    {
        var body = await message.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in message.Headers.Concat(message.Content.Headers)) headers[header.Key] = header.Value.FirstOrDefault() ?? "";
        return new LambdaResponse(message.StatusCode, headers, body);
    }

    public string? Header(string name) => headers.TryGetValue(name, out var value) ? value : null;
}
