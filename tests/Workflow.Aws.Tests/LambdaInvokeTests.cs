using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Aws.Lambda;
using Xunit.Abstractions;

namespace Workflow.Aws.Tests;

/// <summary>Invoke through the fixture: @vercel/fun runs the zip's bootstrap; the fixture enforces Timeout and throttles past its concurrency.</summary>
[Collection(LambdaCollection.Name)]
public sealed class LambdaInvokeTests
{
    private readonly LambdaBackends backends;
    private readonly ITestOutputHelper output;

    public LambdaInvokeTests(LambdaBackends backends, ITestOutputHelper output)
    {
        this.backends = backends;
        this.output = output;
    }

    private static CancellationToken Token => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    [Fact]
    public async Task Invoke_runs_the_bootstrap_with_the_event_environment_deadline_and_arn()
    {
        using var client = backends.Client();
        var name = NewName("echo");
        var function = await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Packages.Echo(), timeout: 7, environment: new Dictionary<string, string> { ["GREETING"] = "hi" }), Token);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var result = await client.InvokeAsync(name, """{"n": 42, "text": "hé"}""", Token);

        Assert.Equal(200, result.StatusCode);
        Assert.Null(result.FunctionError);
        Assert.Equal("$LATEST", result.ExecutedVersion);
        using var json = JsonDocument.Parse(result.Payload);
        var root = json.RootElement;
        Assert.Equal(42, root.GetProperty("event").GetProperty("n").GetInt32());
        Assert.Equal("hé", root.GetProperty("event").GetProperty("text").GetString());
        Assert.Equal("hi", root.GetProperty("greeting").GetString());
        Assert.Equal("256", root.GetProperty("memory").GetString());
        Assert.Equal(function.FunctionArn, root.GetProperty("arn").GetString());
        // The Runtime API's deadline is the invocation's start plus the function's Timeout (fun alone sends 5000).
        var deadline = root.GetProperty("deadline").GetInt64();
        Assert.InRange(deadline, before + 6000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 7000);
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task An_error_the_function_reports_is_a_handled_function_error()
    {
        using var client = backends.Client();
        var name = NewName("fails");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Packages.Echo()), Token);

        var result = await client.InvokeAsync(name, """{"fail": true}""", Token);

        Assert.Equal((200, "Handled"), (result.StatusCode, result.FunctionError));
        Assert.Contains("the event asked to fail", result.Payload, StringComparison.Ordinal);
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task An_invocation_past_the_functions_timeout_is_stopped_and_answered_as_Lambda_does()
    {
        using var client = backends.Client();
        var name = NewName("slow");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Packages.Echo(), timeout: 1), Token);
        var first = JsonDocument.Parse((await client.InvokeAsync(name, "{}", Token)).Payload).RootElement.GetProperty("pid").GetInt32();
        var clock = Stopwatch.StartNew();

        var result = await client.InvokeAsync(name, """{"sleep": 20}""", Token);

        clock.Stop();
        Assert.Equal((200, "Unhandled"), (result.StatusCode, result.FunctionError));
        Assert.Matches("""^\{"errorMessage":"\d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f-]{36} Task timed out after 1\.\d\d seconds"\}$""", result.Payload);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.0, 5.0);
        // The timed-out process was stopped: the next invocation runs in a new one.
        var next = JsonDocument.Parse((await client.InvokeAsync(name, "{}", Token)).Payload).RootElement.GetProperty("pid").GetInt32();
        Assert.NotEqual(first, next);
        Assert.False(ProcessRuns(first), $"The timed-out bootstrap (pid {first}) still runs.");
        output.WriteLine($"timed out after {clock.Elapsed.TotalSeconds:0.00} s (Timeout 1 s)");
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task Concurrent_invocations_of_one_function_run_in_parallel_processes()
    {
        using var client = backends.Client();
        var name = NewName("parallel");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Packages.Echo()), Token);
        var clock = Stopwatch.StartNew();

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.InvokeAsync(name, """{"sleep": 2}""", Token)));

        clock.Stop();
        var pids = results.Select(r => JsonDocument.Parse(r.Payload).RootElement.GetProperty("pid").GetInt32()).Distinct().Count();
        output.WriteLine($"3 invocations of a 2 s function: {clock.Elapsed.TotalSeconds:0.00} s, {pids} processes");
        Assert.Equal(3, pids);
        Assert.InRange(clock.Elapsed.TotalSeconds, 2.0, 5.5); // one after another would take 6 s or more
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task A_throttled_invoke_is_retried_with_backoff_until_the_function_is_free()
    {
        using var fixture = backends.StartFixture("--concurrency", "1");
        var statuses = new ConcurrentQueue<int>();
        using var client = backends.Client(fixture, retry: new LambdaRetryPolicy(8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)), handler: new Recording(statuses));
        var name = NewName("single");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Packages.Echo()), Token);

        var both = await Task.WhenAll(client.InvokeAsync(name, """{"sleep": 2}""", Token), client.InvokeAsync(name, """{"sleep": 2}""", Token));

        Assert.All(both, r => Assert.Null(r.FunctionError));
        Assert.Contains(429, statuses);
        output.WriteLine("statuses: " + string.Join(" ", statuses));

        using var impatient = backends.Client(fixture, retry: new LambdaRetryPolicy(0, TimeSpan.Zero, TimeSpan.Zero));
        var busy = client.InvokeAsync(name, """{"sleep": 2}""", Token);
        await Task.Delay(500);
        var e = await Assert.ThrowsAsync<LambdaApiException>(() => impatient.InvokeAsync(name, "{}", Token));
        Assert.Equal(("TooManyRequestsException", 429, "TooManyRequestsException (429): Rate Exceeded."), (e.ErrorType, e.StatusCode, e.Message));
        await busy;
    }

    [Fact]
    public async Task A_zip_without_an_executable_bootstrap_is_Lambdas_invalid_entrypoint_error()
    {
        using var client = backends.Client();
        var missing = NewName("nobootstrap");
        var notExecutable = NewName("noexec");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(missing, Packages.Zip(null, ("handler.sh", "echo hi"))), Token);
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(notExecutable, Packages.Zip(null, ("bootstrap", "#!/bin/sh\n"))), Token);

        var a = await client.InvokeAsync(missing, "{}", Token);
        var b = await client.InvokeAsync(notExecutable, "{}", Token);

        Assert.Equal("Unhandled", a.FunctionError);
        Assert.Contains("Runtime.InvalidEntrypoint", a.Payload, StringComparison.Ordinal);
        Assert.Contains("Couldn't find valid bootstrap(s)", a.Payload, StringComparison.Ordinal);
        Assert.Contains("permission denied", b.Payload, StringComparison.Ordinal);
        await client.DeleteFunctionAsync(missing, Token);
        await client.DeleteFunctionAsync(notExecutable, Token);
    }

    private static bool ProcessRuns(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Records the status of every answer, retries included.</summary>
    private sealed class Recording : DelegatingHandler
    {
        private readonly ConcurrentQueue<int> statuses;

        public Recording(ConcurrentQueue<int> statuses) : base(new HttpClientHandler()) => this.statuses = statuses;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            statuses.Enqueue((int)response.StatusCode);
            return response;
        }
    }
}
