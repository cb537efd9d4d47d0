using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Distributed;

/// <summary>One remote task's attempts: their starts and logs are kept here and written as one object when the task ends.</summary>
internal sealed class RemoteAttemptHost : IAttemptHost
{
    private readonly List<StoreChange> changes = new();

    public RemoteAttemptHost(PublishedWorkflow workflow)
    {
        Workflow = workflow;
        // Secrets come from the worker's environment, as they do from the session's in a local run.
        Secrets = RunSecrets.FromEnvironment(workflow.Definition.Secrets);
    }

    public PublishedWorkflow Workflow { get; }

    public CancellationToken Cancellation => CancellationToken.None;

    public RunSecrets Secrets { get; }

    public void Record(StoreChange change)
    {
        lock (changes) changes.Add(change);
    }

    public RemoteLogBatch Batch(int firstAttempt, DateTimeOffset started)
    {
        lock (changes)
        {
            var starts = changes.OfType<AttemptStarted>().ToList();
            return new RemoteLogBatch(
                new[] { firstAttempt }.Concat(starts.Select(s => s.Attempt)).ToList(),
                new[] { started }.Concat(starts.Select(s => s.Time)).ToList(),
                changes.OfType<LogAppended>().Select(l => l.Record).ToList());
        }
    }
}
