using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Aws.Lambda;
using Workflow.Model;

namespace Workflow.Aws.Tests;

/// <summary>The control-plane operations of LambdaRestClient against the Lambda fixture, which checks every signature.</summary>
[Collection(LambdaCollection.Name)]
public sealed class LambdaRestClientTests
{
    private readonly LambdaBackends backends;

    public LambdaRestClientTests(LambdaBackends backends) => this.backends = backends;

    private static CancellationToken Token => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    public static LambdaFunctionSpec Spec(string name, byte[] zip, int timeout = 10, IReadOnlyDictionary<string, string>? environment = null) => new()
    {
        FunctionName = name,
        Role = LambdaBackends.Role,
        Timeout = timeout,
        MemorySize = 256,
        ZipFile = zip,
        Environment = environment ?? new Dictionary<string, string>(),
    };

    [Fact]
    public async Task Create_get_update_and_delete_a_function()
    {
        using var client = backends.Client();
        var name = NewName("crud");
        var zip = Packages.Echo();

        var created = await client.CreateFunctionAsync(Spec(name, zip, environment: new Dictionary<string, string> { ["GREETING"] = "hello" }), Token);

        Assert.Equal(name, created.FunctionName);
        Assert.Equal($"arn:aws:lambda:us-east-1:000000000000:function:{name}", created.FunctionArn);
        Assert.Equal("provided.al2023", created.Runtime);
        Assert.Equal("bootstrap", created.Handler);
        Assert.Equal((256, 10), (created.MemorySize, created.Timeout));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(zip)), created.CodeSha256);
        Assert.Equal(zip.Length, created.CodeSize);
        Assert.Equal(("Active", "Successful"), (created.State, created.LastUpdateStatus));
        Assert.Equal("hello", created.Environment["GREETING"]);

        var byName = await client.GetFunctionAsync(name, Token);
        var byArn = await client.GetFunctionAsync(created.FunctionArn, Token);
        Assert.Equal(created, byName! with { Environment = created.Environment });
        Assert.Equal(created.FunctionArn, byArn!.FunctionArn);

        var configured = await client.UpdateFunctionConfigurationAsync(Spec(name, zip, timeout: 20, environment: new Dictionary<string, string> { ["GREETING"] = "bonjour", ["MORE"] = "1" }) with { MemorySize = 512 }, Token);
        Assert.Equal((512, 20), (configured.MemorySize, configured.Timeout));
        Assert.Equal(new Dictionary<string, string> { ["GREETING"] = "bonjour", ["MORE"] = "1" }, configured.Environment);

        var newZip = Packages.Zip(Packages.Bootstrap("response='\"v2\"'"));
        var recoded = await client.UpdateFunctionCodeAsync(name, newZip, Token);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(newZip)), recoded.CodeSha256);
        Assert.Equal("\"v2\"", (await client.InvokeAsync(name, "{}", Token)).Payload);

        Assert.True(await client.DeleteFunctionAsync(name, Token));
        Assert.Null(await client.GetFunctionAsync(name, Token));
        Assert.False(await client.DeleteFunctionAsync(name, Token));
    }

    [Fact]
    public async Task A_client_made_from_an_AwsConnection_signs_with_its_credentials_for_its_region_at_AWS_ENDPOINT_URL_LAMBDA()
    {
        using var client = backends.Client();
        var name = NewName("regional");
        await client.CreateFunctionAsync(Spec(name, Packages.Echo()), Token);
        var saved = new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", LambdaRestClient.EndpointVariable }.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", LambdaBackends.AccessKey);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", LambdaBackends.SecretKey);
            Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", backends.Fauxqs.Endpoint.ToString()); // S3 and SQS: no Lambda there
            Environment.SetEnvironmentVariable(LambdaRestClient.EndpointVariable, backends.Fixture.Endpoint.ToString());

            using var home = LambdaRestClient.Create(AwsConnection.Resolve("aws:us-east-1"));
            using var away = LambdaRestClient.Create(AwsConnection.Resolve("aws:eu-west-1"));

            Assert.Equal(backends.Fixture.Endpoint, home.Endpoint);
            Assert.Equal(name, (await home.GetFunctionAsync(name, Token))?.FunctionName);
            // Functions live per region, the one a request is signed for.
            Assert.Null(await away.GetFunctionAsync(name, Token));
        }
        finally
        {
            foreach (var pair in saved) Environment.SetEnvironmentVariable(pair.Key, pair.Value);
        }
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task A_second_function_of_the_same_name_is_a_conflict()
    {
        using var client = backends.Client();
        var name = NewName("twice");
        await client.CreateFunctionAsync(Spec(name, Packages.Echo()), Token);

        var e = await Assert.ThrowsAsync<LambdaApiException>(() => client.CreateFunctionAsync(Spec(name, Packages.Echo()), Token));

        Assert.Equal(("ResourceConflictException", 409), (e.ErrorType, e.StatusCode));
        Assert.Contains($"Function already exist: {name}", e.Message, StringComparison.Ordinal);
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task Settings_outside_the_models_constraints_are_a_validation_error()
    {
        using var client = backends.Client();

        var e = await Assert.ThrowsAsync<LambdaApiException>(() => client.CreateFunctionAsync(Spec(NewName("small"), Packages.Echo()) with { MemorySize = 64, Role = "not-a-role" }, Token));

        Assert.Equal(("ValidationException", 400), (e.ErrorType, e.StatusCode));
        Assert.Contains("2 validation errors detected", e.Message, StringComparison.Ordinal);
        Assert.Contains("Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128", e.Message, StringComparison.Ordinal);
        Assert.Contains("Value 'not-a-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reserved_environment_variables_are_refused_as_Lambda_refuses_them()
    {
        using var client = backends.Client();

        var e = await Assert.ThrowsAsync<LambdaApiException>(() => client.CreateFunctionAsync(
            Spec(NewName("reserved"), Packages.Echo(), environment: new Dictionary<string, string> { ["AWS_REGION"] = "eu-west-1" }), Token));

        Assert.Equal(("InvalidParameterValueException", 400), (e.ErrorType, e.StatusCode));
        Assert.Contains("Reserved keys used in this request: AWS_REGION", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_signed_with_the_wrong_secret_is_refused()
    {
        using var client = backends.Client(secretKey: "not-the-secret");

        var e = await Assert.ThrowsAsync<LambdaApiException>(() => client.GetFunctionAsync("anything", Token));

        Assert.Equal(("InvalidSignatureException", 403), (e.ErrorType, e.StatusCode));
        Assert.Contains("The request signature we calculated does not match the signature you provided", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_function_name_is_required_before_anything_is_sent()
    {
        using var client = backends.Client();

        var e = await Assert.ThrowsAsync<WorkflowException>(() => client.GetFunctionAsync(" ", Token));

        Assert.Same(WorkflowErrors.LambdaNameMissing, e.Error);
    }

    [Fact]
    public async Task An_endpoint_that_does_not_listen_is_a_clear_unreachable_error()
    {
        using var client = new LambdaRestClient(new Uri($"http://127.0.0.1:{LambdaBackends.FreePort()}"), LambdaBackends.Region, LambdaBackends.Credentials,
            retry: new LambdaRetryPolicy(1, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)));

        var e = await Assert.ThrowsAsync<WorkflowException>(() => client.GetFunctionAsync("f", Token));

        Assert.Same(WorkflowErrors.AwsEndpointUnreachable, e.Error);
        Assert.Contains("AWS_ENDPOINT_URL_LAMBDA", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_endpoint_is_the_explicit_one_then_the_Lambda_variable_then_the_connections_then_the_regions()
    {
        Assert.Equal("http://a:1/", LambdaRestClient.ResolveEndpoint("us-east-1", "http://a:1", "http://b:2", "http://c:3").ToString());
        Assert.Equal("http://b:2/", LambdaRestClient.ResolveEndpoint("us-east-1", null, "http://b:2", "http://c:3").ToString());
        Assert.Equal("http://c:3/", LambdaRestClient.ResolveEndpoint("us-east-1", null, null, "http://c:3").ToString());
        Assert.Equal("https://lambda.eu-west-2.amazonaws.com/", LambdaRestClient.ResolveEndpoint("eu-west-2", null, null, null).ToString());

        var e = Assert.Throws<WorkflowException>(() => LambdaRestClient.ResolveEndpoint("us-east-1", null, "localhost:9001", null));
        Assert.Same(WorkflowErrors.AwsEndpointInvalid, e.Error);
        Assert.Contains("AWS_ENDPOINT_URL_LAMBDA", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Layers_are_refused_with_what_to_do_instead()
    {
        using var client = backends.Client();
        var e = await Assert.ThrowsAsync<LambdaApiException>(() => client.CreateFunctionAsync(Spec("x", Packages.Echo()) with { Layers = new[] { "arn:aws:lambda:us-east-1:000000000000:layer:pwsh:1" } }, Token));

        Assert.Equal(("InvalidParameterValueException", 400), (e.ErrorType, e.StatusCode));
        Assert.Contains("does not provide layers", e.Message, StringComparison.Ordinal);
    }
}
