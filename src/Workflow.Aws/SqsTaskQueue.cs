using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Amazon.SQS;
using Amazon.SQS.Model;
using Workflow.Queue;

namespace Workflow.Aws;

/// <summary>
/// The task queue on SQS for one region: a task goes to its workflow's queue; a worker leases from
/// every deployed workflow's queue of the region (long polling), renews the lease with
/// ChangeMessageVisibility while the step runs, and deletes the message when it is done. Tasks over
/// the SQS size limit travel as a reference to an S3 object. A message that is not a task is sent
/// to the dead-letter queue with the reason, never to a step.
/// </summary>
public sealed class SqsTaskQueue : ITaskQueue
{
    /// <summary>Bodies above this go by S3 reference (SQS takes 256 KiB with its attributes).</summary>
    public const int InlineLimit = 200 * 1024;
    private const string ReferenceMarker = "$task";
    public const string ReasonAttribute = "WorkflowDeadLetterReason";
    public const string ReceivesAttribute = "WorkflowReceives";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly IAmazonSQS sqs;
    private readonly S3BlobStore blobs;
    private readonly DeploymentDirectory deployments;
    private int next;
    private long requests;

    public SqsTaskQueue(IAmazonSQS sqs, S3BlobStore blobs, DeploymentDirectory deployments)
    {
        this.sqs = sqs;
        this.blobs = blobs;
        this.deployments = deployments;
    }

    /// <summary>Requests sent so far (what SQS bills by).</summary>
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Lease only from these workflows' queues (null: every workflow deployed to the region).</summary>
    public IReadOnlyCollection<string>? WorkflowFilter { get; set; }

    public async ValueTask EnqueueAsync(StepTask task, CancellationToken cancellationToken = default)
    {
        var deployment = await deployments.GetAsync(task.WorkflowId, cancellationToken).ConfigureAwait(false);
        var body = await BodyAsync(task, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref requests);
        await sqs.SendMessageAsync(new SendMessageRequest(deployment.QueueUrl, body), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends in batches of up to ten messages and 200 KB: one request where a fan-out makes several steps ready.</summary>
    public async ValueTask EnqueueManyAsync(IReadOnlyList<StepTask> tasks, CancellationToken cancellationToken = default)
    {
        if (tasks.Count == 1)
        {
            await EnqueueAsync(tasks[0], cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var byWorkflow in tasks.GroupBy(t => t.WorkflowId))
        {
            var deployment = await deployments.GetAsync(byWorkflow.Key, cancellationToken).ConfigureAwait(false);
            var batch = new List<SendMessageBatchRequestEntry>();
            var bytes = 0;
            foreach (var task in byWorkflow)
            {
                var body = await BodyAsync(task, cancellationToken).ConfigureAwait(false);
                var size = Encoding.UTF8.GetByteCount(body);
                if (batch.Count == 10 || (batch.Count > 0 && bytes + size > InlineLimit))
                {
                    await SendBatchAsync(deployment, batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                    bytes = 0;
                }
                batch.Add(new SendMessageBatchRequestEntry(batch.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), body));
                bytes += size;
            }
            if (batch.Count > 0) await SendBatchAsync(deployment, batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendBatchAsync(AwsDeployment deployment, List<SendMessageBatchRequestEntry> batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref requests);
        var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest(deployment.QueueUrl, batch), cancellationToken).ConfigureAwait(false);
        if (response.Failed is { Count: > 0 } failed)
        {
            // A batch can fail in part: the failed entries are sent again one by one, or the call fails.
            foreach (var entry in failed)
            {
                var original = batch.First(b => b.Id == entry.Id);
                Interlocked.Increment(ref requests);
                await sqs.SendMessageAsync(new SendMessageRequest(deployment.QueueUrl, original.MessageBody), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The message body: the task's JSON, or a reference to it in S3 when it is over the SQS limit.</summary>
    private async Task<string> BodyAsync(StepTask task, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(task, Json);
        if (Encoding.UTF8.GetByteCount(body) <= InlineLimit) return body;
        var key = $"tasks/{task.WorkflowId}/{task.RunId}/{Guid.NewGuid():N}.json";
        await blobs.PutAsync(key, Encoding.UTF8.GetBytes(body), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(new Dictionary<string, string> { [ReferenceMarker] = key });
    }

    /// <summary>
    /// Messages one receive brought beyond the one it was for: the next lease takes them without a
    /// request. Few (a receive asks for at most <see cref="Prefetch"/>), and their lease started
    /// when they were received, so they wait here far less than it lasts.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<(Message Message, AwsDeployment Deployment, DateTime ReceivedAt)> prefetched = new();

    /// <summary>Messages a receive asks for: one for the caller, the rest for the worker's other lanes.</summary>
    public int Prefetch { get; set; } = 1;

    public async ValueTask<LeasedTask?> LeaseAsync(TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        while (prefetched.TryDequeue(out var held))
        {
            // Taken only while most of its lease is left; otherwise another worker may have it by now.
            if (DateTime.UtcNow - held.ReceivedAt > TimeSpan.FromTicks(visibility.Ticks / 2)) continue;
            var task = await ToLeaseAsync(held.Message, held.Deployment, cancellationToken).ConfigureAwait(false);
            if (task != null) return task;
        }
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var queues = (await deployments.ListAsync(cancellationToken).ConfigureAwait(false))
                .Where(d => WorkflowFilter == null || WorkflowFilter.Contains(d.WorkflowId))
                .ToList();
            if (queues.Count == 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                continue;
            }
            var deployment = queues[(int)((uint)Interlocked.Increment(ref next) % queues.Count)];
            Interlocked.Increment(ref requests);
            var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = deployment.QueueUrl,
                MaxNumberOfMessages = Math.Max(1, Math.Min(10, Prefetch)),
                // One queue: wait the full 20 s. Several: poll each briefly in turn.
                WaitTimeSeconds = queues.Count == 1 ? 20 : 1,
                VisibilityTimeout = (int)Math.Ceiling(visibility.TotalSeconds),
                MessageSystemAttributeNames = new List<string> { "ApproximateReceiveCount" },
            }, cancellationToken).ConfigureAwait(false);
            var messages = response.Messages ?? new List<Message>();
            var now = DateTime.UtcNow;
            foreach (var extra in messages.Skip(1)) prefetched.Enqueue((extra, deployment, now));
            if (messages.Count == 0) continue;
            var leased = await ToLeaseAsync(messages[0], deployment, cancellationToken).ConfigureAwait(false);
            if (leased != null) return leased;
        }
    }

    /// <summary>
    /// The message as a leased task, or null when it is not a task of ours (then it is dead-lettered
    /// with the reason): for messages this queue received and for those a Lambda event delivered.
    /// </summary>
    internal async Task<LeasedTask?> ToLeaseAsync(Message message, AwsDeployment deployment, CancellationToken cancellationToken)
    {
        var receives = message.Attributes != null && message.Attributes.TryGetValue("ApproximateReceiveCount", out var count) && int.TryParse(count, out var n) ? n : 1;
        var lease = new Lease(deployment, message.ReceiptHandle, null);
        var (task, reference, problem) = await ReadAsync(message.Body, cancellationToken).ConfigureAwait(false);
        if (task == null || task.WorkflowId != deployment.WorkflowId)
        {
            problem ??= $"The task names workflow '{task?.WorkflowId}', but it came from the queue of '{deployment.WorkflowId}'.";
            await MoveToDeadLetterAsync(lease, message.Body, $"Not a task of this deployment: {problem}", receives, cancellationToken).ConfigureAwait(false);
            return null;
        }
        return new LeasedTask(task, Encode(lease with { Reference = reference }), receives, deployment.MaxReceiveCount, message.MessageId);
    }

    public async ValueTask RenewAsync(LeasedTask task, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        var lease = Decode(task.LeaseId);
        Interlocked.Increment(ref requests);
        await sqs.ChangeMessageVisibilityAsync(lease.Deployment.QueueUrl, lease.ReceiptHandle, (int)Math.Ceiling(visibility.TotalSeconds), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the message, batched: acks wait up to <see cref="AckDelay"/> for others to share a
    /// DeleteMessageBatch. An ack lost with the process is a redelivery, which finds the task's
    /// result and does not run it again.
    /// </summary>
    public async ValueTask AckAsync(LeasedTask task, CancellationToken cancellationToken = default)
    {
        var lease = Decode(task.LeaseId, remove: true);
        if (lease.Reference != null)
        {
            await blobs.DeleteAsync(lease.Reference, cancellationToken).ConfigureAwait(false);
        }
        pendingAcks.Enqueue(lease);
        if (pendingAcks.Count >= 10)
        {
            await FlushAcksAsync().ConfigureAwait(false);
        }
        else if (Interlocked.Exchange(ref ackTimerArmed, 1) == 0)
        {
            _ = Task.Delay(AckDelay).ContinueWith(_ => { ackTimerArmed = 0; return FlushAcksAsync(); }, TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>How long an ack waits for others to batch with.</summary>
    public static readonly TimeSpan AckDelay = TimeSpan.FromMilliseconds(20);

    private readonly System.Collections.Concurrent.ConcurrentQueue<Lease> pendingAcks = new();
    private int ackTimerArmed;

    /// <summary>Deletes every acked message not deleted yet (a worker calls it before it ends).</summary>
    public async Task FlushAcksAsync()
    {
        var taken = new List<Lease>();
        while (pendingAcks.TryDequeue(out var lease)) taken.Add(lease);
        foreach (var group in taken.GroupBy(l => l.Deployment.QueueUrl))
        {
            foreach (var chunk in group.Select((lease, i) => (lease, i)).GroupBy(p => p.i / 10, p => p.lease))
            {
                try
                {
                    Interlocked.Increment(ref requests);
                    await sqs.DeleteMessageBatchAsync(new DeleteMessageBatchRequest(group.Key,
                        chunk.Select((l, i) => new DeleteMessageBatchRequestEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), l.ReceiptHandle)).ToList())).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The endpoint is away: these messages come back when their lease ends and are
                    // found done. Nothing is lost by not deleting them now.
                }
            }
        }
    }

    /// <summary>
    /// Puts back the messages a receive brought for lanes that never took them (a worker calls it
    /// as it ends): otherwise they stay hidden from the other workers until their lease runs out.
    /// </summary>
    public async Task ReleasePrefetchedAsync()
    {
        while (prefetched.TryDequeue(out var held))
        {
            try
            {
                Interlocked.Increment(ref requests);
                await sqs.ChangeMessageVisibilityAsync(held.Deployment.QueueUrl, held.Message.ReceiptHandle, 0).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The endpoint is away: the message comes back when its lease ends, as before.
            }
        }
    }

    public async ValueTask ReleaseAsync(LeasedTask task, CancellationToken cancellationToken = default)
    {
        var lease = Decode(task.LeaseId, remove: true);
        Interlocked.Increment(ref requests);
        await sqs.ChangeMessageVisibilityAsync(lease.Deployment.QueueUrl, lease.ReceiptHandle, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes a delivered message visible again at once without leasing it (a batch's tasks that were not started).</summary>
    internal async Task ReturnAsync(AwsDeployment deployment, string receiptHandle, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref requests);
        await sqs.ChangeMessageVisibilityAsync(deployment.QueueUrl, receiptHandle, 0, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DeadLetterAsync(LeasedTask task, string reason, CancellationToken cancellationToken = default)
    {
        var lease = Decode(task.LeaseId, remove: true);
        await MoveToDeadLetterAsync(lease, JsonSerializer.Serialize(task.Task, Json), reason, task.ReceiveCount, cancellationToken).ConfigureAwait(false);
    }

    private async Task MoveToDeadLetterAsync(Lease lease, string body, string reason, int receives, CancellationToken cancellationToken)
    {
        // Sent first, deleted second: a crash between the two leaves a copy, never a loss.
        Interlocked.Add(ref requests, 2);
        await sqs.SendMessageAsync(new SendMessageRequest(lease.Deployment.DeadLetterQueueUrl, body.Length > 0 ? body : "(empty)")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                [ReasonAttribute] = new() { DataType = "String", StringValue = reason.Length > 0 ? reason : "(none)" },
                [ReceivesAttribute] = new() { DataType = "Number", StringValue = receives.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
        }, cancellationToken).ConfigureAwait(false);
        await sqs.DeleteMessageAsync(lease.Deployment.QueueUrl, lease.ReceiptHandle, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The task in a message body (fetched from S3 when it travelled by reference), or why there is none.</summary>
    internal async Task<(StepTask? Task, string? Reference, string? Problem)> ReadAsync(string body, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            string? reference = null;
            var json = body;
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(ReferenceMarker, out var key) && key.ValueKind == JsonValueKind.String)
            {
                reference = key.GetString()!;
                var bytes = await blobs.GetAsync(reference, cancellationToken).ConfigureAwait(false);
                if (bytes == null) return (null, null, $"its body is in S3 object '{reference}', which is missing.");
                json = Encoding.UTF8.GetString(bytes);
            }
            var task = JsonSerializer.Deserialize<StepTask>(json, Json);
            if (task == null || string.IsNullOrEmpty(task.RunId) || string.IsNullOrEmpty(task.WorkflowId) || string.IsNullOrEmpty(task.Step) || task.SharedInput == null)
            {
                return (null, null, "it lacks runId, workflowId, step or sharedInput.");
            }
            return (task, reference, null);
        }
        catch (JsonException e)
        {
            return (null, null, $"its body is not a task's JSON ({e.Message}).");
        }
    }

    private sealed record Lease(AwsDeployment Deployment, string ReceiptHandle, string? Reference);

    private readonly Dictionary<string, Lease> leases = new();

    private string Encode(Lease lease)
    {
        var id = Guid.NewGuid().ToString("N");
        lock (leases) leases[id] = lease;
        return id;
    }

    private Lease Decode(string leaseId, bool remove = false)
    {
        lock (leases)
        {
            if (!leases.TryGetValue(leaseId, out var lease))
            {
                throw new InvalidOperationException($"Lease '{leaseId}' is not one of this queue's, or it has ended.");
            }
            if (remove) leases.Remove(leaseId);
            return lease;
        }
    }
}
