using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon.SQS.Model;
using Workflow.Aws.Lambda;

namespace Workflow.Aws.Tests;

/// <summary>
/// Debian's awscli (botocore's own signer and serializers) against the same fixture as our client:
/// what one writes the other reads, so the client and the fixture cannot agree only by being wrong
/// the same way.
/// </summary>
[Collection(LambdaCollection.Name)]
public sealed class AwsCliCrossCheckTests : IDisposable
{
    private const string Cli = "/usr/bin/aws";
    private readonly LambdaBackends backends;
    private readonly string folder = Directory.CreateTempSubdirectory("lambda-cli-").FullName;

    public AwsCliCrossCheckTests(LambdaBackends backends)
    {
        if (!File.Exists(Cli)) throw new InvalidOperationException($"{Cli} is missing: apt-get install awscli (.ci/run does).");
        this.backends = backends;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static CancellationToken Token => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    private (int Exit, string Out, string Error) Aws(string secretKey, params string[] arguments)
    {
        var info = new ProcessStartInfo(Cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--endpoint-url", backends.Fixture.Endpoint.ToString().TrimEnd('/'), "--output", "json", "lambda" }.Concat(arguments)) info.ArgumentList.Add(argument);
        info.Environment["AWS_ACCESS_KEY_ID"] = LambdaBackends.AccessKey;
        info.Environment["AWS_SECRET_ACCESS_KEY"] = secretKey;
        info.Environment["AWS_DEFAULT_REGION"] = LambdaBackends.Region;
        info.Environment["AWS_PAGER"] = "";
        info.Environment["AWS_CONFIG_FILE"] = Path.Combine(folder, "no-config");
        info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(folder, "no-credentials");
        info.Environment.Remove("AWS_SESSION_TOKEN");
        info.Environment.Remove("AWS_PROFILE");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(true);
            throw new TimeoutException("aws " + string.Join(" ", arguments) + " did not end within 60 s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private JsonElement AwsJson(params string[] arguments)
    {
        var (exit, stdout, stderr) = Aws(LambdaBackends.SecretKey, arguments);
        Assert.True(exit == 0, $"aws {string.Join(" ", arguments)} exited {exit}: {stderr}");
        return stdout.Trim().Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private string ZipFile(byte[] zip)
    {
        var path = Path.Combine(folder, Guid.NewGuid().ToString("N") + ".zip");
        File.WriteAllBytes(path, zip);
        return path;
    }

    [Fact]
    public async Task A_function_the_cli_creates_is_read_by_our_client()
    {
        using var client = backends.Client();
        var name = NewName("cli-made");

        var made = AwsJson("create-function", "--function-name", name, "--runtime", "provided.al2023", "--handler", "bootstrap", "--role", LambdaBackends.Role,
            "--zip-file", "fileb://" + ZipFile(Packages.Echo()), "--timeout", "12", "--memory-size", "384", "--environment", "Variables={GREETING=from-cli}");
        var read = await client.GetFunctionAsync(name, Token);

        Assert.NotNull(read);
        Assert.Equal(made.GetProperty("FunctionArn").GetString(), read!.FunctionArn);
        Assert.Equal(made.GetProperty("CodeSha256").GetString(), read.CodeSha256);
        Assert.Equal((12, 384), (read.Timeout, read.MemorySize));
        Assert.Equal("from-cli", read.Environment["GREETING"]);
        Assert.Contains("from-cli", (await client.InvokeAsync(name, "{}", Token)).Payload, StringComparison.Ordinal);
        Assert.True(await client.DeleteFunctionAsync(name, Token));
    }

    [Fact]
    public async Task A_function_our_client_creates_is_got_listed_invoked_and_deleted_by_the_cli()
    {
        using var client = backends.Client();
        var name = NewName("client-made");
        var created = await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Packages.Echo(), environment: new Dictionary<string, string> { ["GREETING"] = "from-client" }), Token);

        var got = AwsJson("get-function", "--function-name", created.FunctionArn);
        Assert.Equal(created.CodeSha256, got.GetProperty("Configuration").GetProperty("CodeSha256").GetString());
        // Code.Location downloads the package, as a presigned URL does.
        using (var http = new System.Net.Http.HttpClient())
        {
            var package = await http.GetByteArrayAsync(got.GetProperty("Code").GetProperty("Location").GetString());
            Assert.Equal(created.CodeSha256, Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(package)));
        }
        Assert.Equal("from-client", got.GetProperty("Configuration").GetProperty("Environment").GetProperty("Variables").GetProperty("GREETING").GetString());
        var listed = AwsJson("list-functions");
        Assert.Contains(name, listed.GetProperty("Functions").EnumerateArray().Select(f => f.GetProperty("FunctionName").GetString()));

        var output = Path.Combine(folder, "invoke.json");
        var invoked = AwsJson("invoke", "--function-name", name, "--cli-binary-format", "raw-in-base64-out", "--payload", """{"from":"cli"}""", output);
        Assert.Equal(200, invoked.GetProperty("StatusCode").GetInt32());
        var payload = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
        Assert.Equal("cli", payload.GetProperty("event").GetProperty("from").GetString());
        Assert.Equal("from-client", payload.GetProperty("greeting").GetString());

        AwsJson("delete-function", "--function-name", name);
        Assert.Null(await client.GetFunctionAsync(name, Token));
    }

    [Fact]
    public async Task A_mapping_our_client_creates_is_listed_and_deleted_by_the_cli()
    {
        using var client = backends.Client();
        var name = NewName("mapped");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Packages.Echo()), Token);
        using var sqs = backends.Sqs();
        var url = (await sqs.CreateQueueAsync(NewName("cli-queue"))).QueueUrl;
        var arn = (await sqs.GetQueueAttributesAsync(url, new List<string> { "QueueArn" })).QueueARN;
        var mapping = await client.CreateEventSourceMappingAsync(new EventSourceMappingSpec { FunctionName = name, EventSourceArn = arn, BatchSize = 5 }, Token);

        var listed = AwsJson("list-event-source-mappings", "--function-name", name).GetProperty("EventSourceMappings").EnumerateArray().Single();
        Assert.Equal((mapping.Uuid, arn, 5), (listed.GetProperty("UUID").GetString(), listed.GetProperty("EventSourceArn").GetString(), listed.GetProperty("BatchSize").GetInt32()));

        var got = AwsJson("get-event-source-mapping", "--uuid", mapping.Uuid);
        Assert.Equal(("Enabled", $"arn:aws:lambda:us-east-1:000000000000:function:{name}"), (got.GetProperty("State").GetString(), got.GetProperty("FunctionArn").GetString()));
        Assert.Equal("Disabling", AwsJson("update-event-source-mapping", "--uuid", mapping.Uuid, "--no-enabled").GetProperty("State").GetString());
        var disabled = DateTime.UtcNow.AddSeconds(20);
        while (AwsJson("get-event-source-mapping", "--uuid", mapping.Uuid).GetProperty("State").GetString() != "Disabled" && DateTime.UtcNow < disabled) await Task.Delay(200);
        Assert.Equal("Disabled", Assert.Single(await client.ListEventSourceMappingsAsync(name, Token)).State);

        var deleted = AwsJson("delete-event-source-mapping", "--uuid", mapping.Uuid);
        Assert.Equal("Deleting", deleted.GetProperty("State").GetString());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await client.ListEventSourceMappingsAsync(name, Token)).Count > 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.Empty(await client.ListEventSourceMappingsAsync(name, Token));
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public void The_cli_with_the_wrong_secret_is_refused_and_an_unimplemented_operation_is_named()
    {
        var (exit, _, stderr) = Aws("wrong-secret", "list-functions");
        Assert.NotEqual(0, exit);
        Assert.Contains("InvalidSignatureException", stderr, StringComparison.Ordinal);

        var (exit2, _, stderr2) = Aws(LambdaBackends.SecretKey, "add-permission", "--function-name", "f", "--statement-id", "s", "--action", "lambda:InvokeFunction", "--principal", "sqs.amazonaws.com");
        Assert.NotEqual(0, exit2);
        Assert.Contains("NotImplementedException", stderr2, StringComparison.Ordinal);
        Assert.Contains("does not implement AddPermission", stderr2, StringComparison.Ordinal);
    }
}
