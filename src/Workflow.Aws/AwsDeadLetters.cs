using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Amazon.SQS.Model;
using Workflow.Model;

namespace Workflow.Aws;

/// <summary>The dead-letter queues of a region's workflows: read (each message returned at once) and redriven to their task queues.</summary>
internal sealed class AwsDeadLetters
{
    private readonly AwsRegion region;

    public AwsDeadLetters(AwsRegion region) => this.region = region;

    /// <summary>The dead letters of the region's workflows (or one's), read without taking them off the queue.</summary>
    public async Task<IReadOnlyList<DeadLetter>> GetAsync(string? workflowId, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        foreach (var deployment in await DeploymentsOf(workflowId, cancellationToken).ConfigureAwait(false))
        {
            var messages = await DrainAsync(deployment.DeadLetterQueueUrl, cancellationToken).ConfigureAwait(false);
            foreach (var message in messages) letters.Add(await ToDeadLetterAsync(deployment, message, cancellationToken).ConfigureAwait(false));
            await ReturnAsync(deployment.DeadLetterQueueUrl, messages, cancellationToken).ConfigureAwait(false);
        }
        return letters;
    }

    /// <summary>Sends the chosen dead letters back to their workflow's task queue; returns those redriven.</summary>
    public async Task<IReadOnlyList<DeadLetter>> RestoreAsync(string? workflowId, Func<DeadLetter, bool> choose, CancellationToken cancellationToken)
    {
        var restored = new List<DeadLetter>();
        foreach (var deployment in await DeploymentsOf(workflowId, cancellationToken).ConfigureAwait(false))
        {
            var messages = await DrainAsync(deployment.DeadLetterQueueUrl, cancellationToken).ConfigureAwait(false);
            var keep = new List<Message>();
            foreach (var message in messages)
            {
                var letter = await ToDeadLetterAsync(deployment, message, cancellationToken).ConfigureAwait(false);
                if (!choose(letter) || letter.RunId.Length == 0)
                {
                    keep.Add(message);
                    continue;
                }
                // Sent first, deleted second: a failure between leaves a copy, never a loss.
                await region.Sqs.SendMessageAsync(deployment.QueueUrl, message.Body, cancellationToken).ConfigureAwait(false);
                await region.Sqs.DeleteMessageAsync(deployment.DeadLetterQueueUrl, message.ReceiptHandle, cancellationToken).ConfigureAwait(false);
                restored.Add(letter);
            }
            await ReturnAsync(deployment.DeadLetterQueueUrl, keep, cancellationToken).ConfigureAwait(false);
        }
        return restored;
    }

    private async Task<IReadOnlyList<AwsDeployment>> DeploymentsOf(string? workflowId, CancellationToken cancellationToken) =>
        workflowId == null
            ? await region.Deployments.ListAsync(cancellationToken).ConfigureAwait(false)
            : new[] { await region.Deployments.GetAsync(workflowId, cancellationToken).ConfigureAwait(false) };

    /// <summary>Every message of a queue, each held for a while so one pass sees each once.</summary>
    private async Task<List<Message>> DrainAsync(string queueUrl, CancellationToken cancellationToken)
    {
        var messages = new Dictionary<string, Message>();
        while (true)
        {
            var response = await region.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 0,
                VisibilityTimeout = 30,
                MessageAttributeNames = new List<string> { "All" },
                MessageSystemAttributeNames = new List<string> { "All" },
            }, cancellationToken).ConfigureAwait(false);
            var batch = response.Messages ?? new List<Message>();
            if (batch.Count == 0) break;
            foreach (var message in batch) messages[message.MessageId] = message;
        }
        return messages.Values.ToList();
    }

    /// <summary>Makes drained messages visible again at once, ten a request (a failed entry comes back when its hold ends).</summary>
    private async Task ReturnAsync(string queueUrl, IReadOnlyList<Message> messages, CancellationToken cancellationToken)
    {
        for (var i = 0; i < messages.Count; i += 10)
        {
            var entries = messages.Skip(i).Take(10)
                .Select((m, n) => new ChangeMessageVisibilityBatchRequestEntry(n.ToString(System.Globalization.CultureInfo.InvariantCulture), m.ReceiptHandle) { VisibilityTimeout = 0 })
                .ToList();
            await region.Sqs.ChangeMessageVisibilityBatchAsync(queueUrl, entries, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DeadLetter> ToDeadLetterAsync(AwsDeployment deployment, Message message, CancellationToken cancellationToken)
    {
        var attributes = message.MessageAttributes ?? new Dictionary<string, MessageAttributeValue>();
        var reason = attributes.TryGetValue(SqsTaskQueue.ReasonAttribute, out var r) ? r.StringValue : null;
        var receives = attributes.TryGetValue(SqsTaskQueue.ReceivesAttribute, out var n) && int.TryParse(n.StringValue, out var count) ? count : 0;
        var system = message.Attributes ?? new Dictionary<string, string>();
        DateTimeOffset? sent = system.TryGetValue("SentTimestamp", out var ms) && long.TryParse(ms, out var millis) ? DateTimeOffset.FromUnixTimeMilliseconds(millis) : null;
        var (task, _, problem) = await region.Queue.ReadAsync(message.Body, cancellationToken).ConfigureAwait(false);
        if (receives == 0)
        {
            // Moved by SQS's redrive policy: the task was delivered maxReceiveCount times without being deleted.
            receives = deployment.MaxReceiveCount;
        }
        return new DeadLetter
        {
            WorkflowId = task?.WorkflowId ?? deployment.WorkflowId,
            Region = deployment.Region,
            RunId = task?.RunId ?? "",
            Step = task?.Step ?? "",
            Item = task?.Item,
            Receives = receives,
            Reason = reason ?? problem ?? $"Delivered {receives} times without finishing: the worker holding it stopped or lost it each time (the queue's maxReceiveCount is {deployment.MaxReceiveCount}).",
            DeadSince = sent,
            MessageId = message.MessageId,
            Body = message.Body,
        };
    }
}
