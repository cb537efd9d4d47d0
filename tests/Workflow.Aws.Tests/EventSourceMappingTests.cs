using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon.SQS;
using Amazon.SQS.Model;
using Workflow.Aws.Lambda;

namespace Workflow.Aws.Tests;

/// <summary>SQS event-source mappings through the fixture on fauxqs queues, read back with AWS's SQS SDK client.</summary>
[Collection(LambdaCollection.Name)]
public sealed class EventSourceMappingTests : IDisposable
{
    private readonly LambdaBackends backends;
    private readonly string batches = Directory.CreateTempSubdirectory("lambda-batches-").FullName;

    public EventSourceMappingTests(LambdaBackends backends) => this.backends = backends;

    public void Dispose() => Directory.Delete(batches, recursive: true);

    private static CancellationToken Token => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    // Writes each event to $OUT_DIR/<request id>.json; names every message whose body has "fail" in
    // batchItemFailures; answers a function error for a batch with a "crash" body.
    private static byte[] Recorder() => Packages.Zip(Packages.Bootstrap("""
          printf '%s' "$event" > "$OUT_DIR/$id.json"
          case "$event" in *crash*) route=error; response='{"errorType":"Crash","errorMessage":"asked to crash"}';; *)
          response=$(printf '%s' "$event" | python3 -c 'import json,sys; e=json.load(sys.stdin); print(json.dumps({"batchItemFailures":[{"itemIdentifier":r["messageId"]} for r in e["Records"] if "fail" in r["body"]]}))');; esac
        """));

    private async Task<(AmazonSQSClient Sqs, string Url, string Arn)> QueueAsync(string name, int visibilitySeconds)
    {
        var sqs = backends.Sqs();
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = new() { ["VisibilityTimeout"] = visibilitySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) } })).QueueUrl;
        var arn = (await sqs.GetQueueAttributesAsync(url, new List<string> { "QueueArn" })).QueueARN;
        return (sqs, url, arn);
    }

    private List<JsonElement> Records() =>
        Directory.GetFiles(batches, "*.json").SelectMany(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("Records").EnumerateArray()).ToList();

    private static async Task Until(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {seconds} s: {what}");
            await Task.Delay(200);
        }
    }

    private static async Task<(int Visible, int InFlight)> Counts(AmazonSQSClient sqs, string url)
    {
        var attributes = await sqs.GetQueueAttributesAsync(url, new List<string> { "All" });
        return (attributes.ApproximateNumberOfMessages, attributes.ApproximateNumberOfMessagesNotVisible);
    }

    [Fact]
    public async Task A_mapping_delivers_the_queues_messages_and_deletes_all_but_the_reported_failures()
    {
        using var client = backends.Client();
        var name = NewName("consumer");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Recorder(), environment: new Dictionary<string, string> { ["OUT_DIR"] = batches }), Token);
        var (sqs, url, arn) = await QueueAsync(NewName("tasks"), visibilitySeconds: 30);
        var bodies = new[] { "one", "fail-two", "three", "fail-four", "five" };
        foreach (var body in bodies)
        {
            await sqs.SendMessageAsync(new SendMessageRequest(url, body) { MessageAttributes = new() { ["step"] = new MessageAttributeValue { DataType = "String", StringValue = "s-" + body } } });
        }

        var created = await client.CreateEventSourceMappingAsync(new EventSourceMappingSpec { FunctionName = name, EventSourceArn = arn, BatchSize = 10, MaximumBatchingWindowInSeconds = 1 }, Token);

        Assert.Equal((arn, $"arn:aws:lambda:us-east-1:000000000000:function:{name}", 10), (created.EventSourceArn, created.FunctionArn, created.BatchSize));
        Assert.Equal(new[] { "ReportBatchItemFailures" }, created.FunctionResponseTypes);
        Assert.Matches("^[0-9a-f-]{36}$", created.Uuid);
        await Until(async () => Records().Count >= bodies.Length && await Counts(sqs, url) == (0, 2), "all five delivered, three deleted, the two failures in flight");
        var records = Records();
        Assert.Equal(bodies.OrderBy(b => b), records.Select(r => r.GetProperty("body").GetString()).OrderBy(b => b));
        var record = records.Single(r => r.GetProperty("body").GetString() == "three");
        Assert.Equal("aws:sqs", record.GetProperty("eventSource").GetString());
        Assert.Equal(arn, record.GetProperty("eventSourceARN").GetString());
        Assert.Equal("us-east-1", record.GetProperty("awsRegion").GetString());
        Assert.Equal(Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes("three"))).ToLowerInvariant(), record.GetProperty("md5OfBody").GetString());
        Assert.Equal("1", record.GetProperty("attributes").GetProperty("ApproximateReceiveCount").GetString());
        foreach (var attribute in new[] { "SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId" }) Assert.True(record.GetProperty("attributes").TryGetProperty(attribute, out _), attribute);
        var step = record.GetProperty("messageAttributes").GetProperty("step");
        Assert.Equal(("s-three", "String"), (step.GetProperty("stringValue").GetString(), step.GetProperty("dataType").GetString()));
        Assert.False(string.IsNullOrEmpty(record.GetProperty("receiptHandle").GetString()));

        var listed = Assert.Single(await client.ListEventSourceMappingsAsync(name, Token));
        Assert.Equal((created.Uuid, "Enabled"), (listed.Uuid, listed.State));

        Assert.True(await client.DeleteEventSourceMappingAsync(created.Uuid, Token));
        await Until(async () => (await client.ListEventSourceMappingsAsync(name, Token)).Count == 0, "the mapping gone once its pollers stopped");
        Assert.False(await client.DeleteEventSourceMappingAsync(created.Uuid, Token));
        // No poller is left: a new message stays on the queue.
        await sqs.SendMessageAsync(url, "after");
        await Task.Delay(2500);
        Assert.Equal(1, (await Counts(sqs, url)).Visible);
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task A_function_error_deletes_none_of_the_batch_so_it_comes_back()
    {
        using var client = backends.Client();
        var name = NewName("crashes");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Recorder(), timeout: 2, environment: new Dictionary<string, string> { ["OUT_DIR"] = batches }), Token);
        var (sqs, url, arn) = await QueueAsync(NewName("crashing"), visibilitySeconds: 2);
        await sqs.SendMessageAsync(url, "crash");

        var mapping = await client.CreateEventSourceMappingAsync(new EventSourceMappingSpec { FunctionName = name, EventSourceArn = arn, BatchSize = 1 }, Token);

        await Until(() => Task.FromResult(Records().Any(r => r.GetProperty("attributes").GetProperty("ApproximateReceiveCount").GetString() == "2")),
            "the crashed message delivered again after the visibility timeout");
        Assert.Single(Records().Select(r => r.GetProperty("messageId").GetString()).Distinct());
        await client.DeleteEventSourceMappingAsync(mapping.Uuid, Token);
        await client.DeleteFunctionAsync(name, Token);
    }

    [Fact]
    public async Task A_queue_whose_visibility_timeout_is_below_the_functions_timeout_is_refused_as_Lambda_refuses_it()
    {
        using var client = backends.Client();
        var name = NewName("patient");
        await client.CreateFunctionAsync(LambdaRestClientTests.Spec(name, Recorder(), timeout: 60), Token);
        var (_, _, arn) = await QueueAsync(NewName("short"), visibilitySeconds: 30);

        var e = await Assert.ThrowsAsync<LambdaApiException>(() => client.CreateEventSourceMappingAsync(new EventSourceMappingSpec { FunctionName = name, EventSourceArn = arn }, Token));

        Assert.Equal(("InvalidParameterValueException", 400), (e.ErrorType, e.StatusCode));
        Assert.Contains("Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds", e.Message, StringComparison.Ordinal);
        await client.DeleteFunctionAsync(name, Token);
    }
}
