using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflow.PowerShell.Tests;

/// <summary>
/// S3 and SQS on loopback: fauxqs 1.9.2 through tools/fauxqs/server.mjs, one server per test class.
/// .ci/run installs it (npm ci); a missing install fails the tests, it never skips them. The
/// process environment points the module at it (AWS_ENDPOINT_URL and test credentials), so child
/// worker processes find it too.
/// </summary>
public sealed class Fauxqs : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process process;

    public Fauxqs()
    {
        var folder = Path.Combine(Repo.Root, "tools", "fauxqs");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "fauxqs")),
            "fauxqs is not installed: run 'npm ci --prefix tools/fauxqs' (.ci/run does).");
        Port = FreePort();
        var info = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("server.mjs");
        info.ArgumentList.Add(Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        process = Process.Start(info) ?? throw new InvalidOperationException("node could not be started.");
        var line = process.StandardOutput.ReadLine();
        if (line == null || !line.Contains("listening", StringComparison.Ordinal))
        {
            Assert.Fail($"fauxqs did not start: {line} {process.StandardError.ReadToEnd()}");
        }
        Endpoint = $"http://127.0.0.1:{Port}";
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", Endpoint);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "test");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "test");
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        Environment.SetEnvironmentVariable("WORKFLOW_AWS_BUCKET", null);
    }

    public int Port { get; }
    public string Endpoint { get; }

    /// <summary>Takes the endpoint away (connections refused) until <see cref="Up"/>; nothing stored is lost.</summary>
    public void Down() => Signal("USR1");

    public void Up() => Signal("USR2");

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", $"-{name} {process.Id}");
        kill.WaitForExit();
    }

    /// <summary>Messages per queue name: (ready, in flight).</summary>
    public (int Ready, int InFlight) Queue(string name)
    {
        var queues = JsonNode.Parse(Http.GetStringAsync($"{Endpoint}/_fauxqs/queues").GetAwaiter().GetResult())!.AsArray();
        var queue = queues.FirstOrDefault(q => q!["name"]!.GetValue<string>() == name)
            ?? throw new InvalidOperationException($"No queue '{name}'.");
        return (queue["approximateMessageCount"]!.GetValue<int>(), queue["approximateInflightCount"]!.GetValue<int>());
    }

    public bool QueueExists(string name) =>
        JsonNode.Parse(Http.GetStringAsync($"{Endpoint}/_fauxqs/queues").GetAwaiter().GetResult())!.AsArray()
            .Any(q => q!["name"]!.GetValue<string>() == name);

    /// <summary>Sends a raw message body to a queue, as something other than the module might.</summary>
    public void SendRaw(string queueName, string body)
    {
        var url = Call("GetQueueUrl", new JsonObject { ["QueueName"] = queueName })["QueueUrl"]!.GetValue<string>();
        Call("SendMessage", new JsonObject { ["QueueUrl"] = url, ["MessageBody"] = body });
    }

    /// <summary>Creates a queue without the module's tag, as another tool would.</summary>
    public void ForeignQueue(string name) => Call("CreateQueue", new JsonObject { ["QueueName"] = name });

    /// <summary>Creates a bucket with an object in it, as another tool would.</summary>
    public void ForeignBucket(string bucket)
    {
        Http.PutAsync($"{Endpoint}/{bucket}", new ByteArrayContent(Array.Empty<byte>())).GetAwaiter().GetResult().EnsureSuccessStatusCode();
        Http.PutAsync($"{Endpoint}/{bucket}/someone-else.txt", new ByteArrayContent(Encoding.UTF8.GetBytes("theirs"))).GetAwaiter().GetResult().EnsureSuccessStatusCode();
    }

    public bool ObjectExists(string bucket, string key) =>
        Http.GetAsync($"{Endpoint}/{bucket}/{key}").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK;

    private JsonNode Call(string action, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint + "/")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.Add("X-Amz-Target", "AmazonSQS." + action);
        using var response = Http.Send(request);
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        Assert.True(response.IsSuccessStatusCode, $"{action}: {text}");
        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL", null);
    }
}
