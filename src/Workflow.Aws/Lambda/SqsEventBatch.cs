using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon.SQS.Model;
using Workflow.Model;
using Workflow.Queue;

namespace Workflow.Aws.Lambda;

/// <summary>
/// The SQS messages one Lambda invocation was handed by the event-source mapping, as a task queue
/// for a <see cref="Distributed.RemoteWorker"/>: LeaseAsync hands out the batch's records, then
/// returns null (closed). Ack deletes a message, Release makes it visible again and reports it as
/// a batch item failure (so the mapping keeps it), Renew and DeadLetter act on the message as the
/// polling worker's <see cref="SqsTaskQueue"/> does: it decodes the records too, one function for both.
/// </summary>
public sealed class SqsEventBatch : ITaskQueue
{
    private readonly SqsTaskQueue queue;
    private readonly ConcurrentQueue<Record> waiting;
    private readonly DateTimeOffset stopLeasingAt;
    private readonly ConcurrentDictionary<string, string> leased = new();
    private readonly ConcurrentDictionary<string, byte> failures = new();
    private readonly Func<DateTimeOffset> clock;

    private SqsEventBatch(SqsTaskQueue queue, IReadOnlyList<Record> records, DateTimeOffset stopLeasingAt, Func<DateTimeOffset>? clock)
    {
        this.queue = queue;
        waiting = new ConcurrentQueue<Record>(records);
        Count = records.Count;
        this.stopLeasingAt = stopLeasingAt;
        this.clock = clock ?? (() => DateTimeOffset.UtcNow);
        foreach (var unknown in records.Where(r => r.Deployment == null)) failures[unknown.Message.MessageId] = 0;
    }

    /// <summary>The records of the event.</summary>
    public int Count { get; }

    /// <summary>Records whose queue is no deployment of this region's (left to the mapping: reported as failures).</summary>
    public IReadOnlyList<string> UnknownSources { get; private set; } = Array.Empty<string>();

    /// <summary>The message ids the response names as batch item failures: released, not started, or from an unknown queue.</summary>
    public IReadOnlyList<string> BatchItemFailures => failures.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Reads an SQS event (<c>{"Records":[{messageId, receiptHandle, body, attributes, eventSourceARN}]}</c>);
    /// each record's deployment is found by the queue name its eventSourceARN ends in. An event that is
    /// not an SQS event is LambdaEventInvalid. Leases end at <paramref name="stopLeasingAt"/>.
    /// </summary>
    public static async Task<SqsEventBatch> ReadAsync(string eventJson, SqsTaskQueue queue, DeploymentDirectory deployments, DateTimeOffset stopLeasingAt, CancellationToken cancellationToken, Func<DateTimeOffset>? clock = null)
    {
        var records = new List<Record>();
        var unknown = new List<string>();
        var known = await deployments.ListAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(eventJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("Records", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw Invalid("it has no Records array");
            }
            foreach (var record in list.EnumerateArray())
            {
                var message = new Message
                {
                    MessageId = Text(record, "messageId") ?? throw Invalid("a record has no messageId"),
                    ReceiptHandle = Text(record, "receiptHandle") ?? throw Invalid("a record has no receiptHandle"),
                    Body = Text(record, "body") ?? "",
                    Attributes = new Dictionary<string, string>(),
                };
                if (record.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
                {
                    foreach (var attribute in attributes.EnumerateObject())
                    {
                        if (attribute.Value.ValueKind == JsonValueKind.String) message.Attributes[attribute.Name] = attribute.Value.GetString()!;
                    }
                }
                var arn = Text(record, "eventSourceARN") ?? "";
                var name = arn.Substring(arn.LastIndexOf(':') + 1);
                var deployment = known.FirstOrDefault(d => name.Length > 0 && d.QueueUrl.EndsWith("/" + name, StringComparison.Ordinal));
                if (deployment == null) unknown.Add(arn);
                records.Add(new Record(message, deployment));
            }
        }
        catch (JsonException e)
        {
            throw Invalid($"it is not JSON ({e.Message})");
        }
        return new SqsEventBatch(queue, records, stopLeasingAt, clock) { UnknownSources = unknown.Distinct().ToList() };
    }

    /// <summary>The invocation's response: <c>{"batchItemFailures":[{"itemIdentifier":"&lt;messageId&gt;"}]}</c>.</summary>
    public string ResponseJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["batchItemFailures"] = BatchItemFailures.Select(id => new Dictionary<string, string> { ["itemIdentifier"] = id }).ToList(),
    });

    public async ValueTask<LeasedTask?> LeaseAsync(TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        while (clock() < stopLeasingAt && waiting.TryDequeue(out var record))
        {
            if (record.Deployment == null) continue; // reported as a failure from the start
            var task = await queue.ToLeaseAsync(record.Message, record.Deployment, cancellationToken).ConfigureAwait(false);
            if (task == null) continue; // not a task: it went to the dead-letter queue with the reason
            leased[task.LeaseId] = record.Message.MessageId;
            return task;
        }
        return null;
    }

    /// <summary>Gives back the records no lane started (the deadline came first): visible again at once, and failures for the mapping.</summary>
    public async Task ReturnUnstartedAsync(CancellationToken cancellationToken)
    {
        while (waiting.TryDequeue(out var record))
        {
            failures[record.Message.MessageId] = 0;
            if (record.Deployment == null) continue;
            try
            {
                await queue.ReturnAsync(record.Deployment, record.Message.ReceiptHandle, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // It comes back when the visibility timeout ends: only later, nothing is lost.
            }
        }
    }

    public ValueTask RenewAsync(LeasedTask task, TimeSpan visibility, CancellationToken cancellationToken = default) =>
        queue.RenewAsync(task, visibility, cancellationToken);

    public ValueTask AckAsync(LeasedTask task, CancellationToken cancellationToken = default) =>
        queue.AckAsync(task, cancellationToken);

    public async ValueTask ReleaseAsync(LeasedTask task, CancellationToken cancellationToken = default)
    {
        // Marked first: were the call to fail, the mapping still keeps the message.
        if (leased.TryGetValue(task.LeaseId, out var messageId)) failures[messageId] = 0;
        await queue.ReleaseAsync(task, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DeadLetterAsync(LeasedTask task, string reason, CancellationToken cancellationToken = default) =>
        queue.DeadLetterAsync(task, reason, cancellationToken);

    public ValueTask EnqueueAsync(StepTask task, CancellationToken cancellationToken = default) => queue.EnqueueAsync(task, cancellationToken);

    public ValueTask EnqueueManyAsync(IReadOnlyList<StepTask> tasks, CancellationToken cancellationToken = default) => queue.EnqueueManyAsync(tasks, cancellationToken);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static WorkflowException Invalid(string why) =>
        new(WorkflowErrors.LambdaEventInvalid, $"The invocation's event is not an SQS event of the function's event-source mapping: {why}. Invoke the worker function only through its mapping on the workflow's task queue.", null);

    private sealed record Record(Message Message, AwsDeployment? Deployment);
}
