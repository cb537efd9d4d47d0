using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Executors;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>
/// Leases step tasks, runs their attempts with the step's timeout and retry policy, and reports
/// the outcome to the run's context, where its scheduler takes it. One per worker thread;
/// attempts block the thread, as a PowerShell pipeline does.
/// </summary>
internal sealed class StepWorker
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly ITaskQueue queue;
    private readonly ActiveRuns runs;
    private readonly AttemptRunner attempts;

    public StepWorker(ITaskQueue queue, ActiveRuns runs, IReadOnlyDictionary<StepKind, IStepExecutor> executors, FolderBlobStore blobs)
    {
        this.queue = queue;
        this.runs = runs;
        attempts = new AttemptRunner(executors, blobs.PathOf);
    }

    public void Loop(CancellationToken shutdown)
    {
        while (!shutdown.IsCancellationRequested)
        {
            LeasedTask? leased;
            try
            {
                leased = queue.LeaseAsync(Lease, shutdown).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (leased == null) return;
            var run = runs.Find(leased.Task.RunId)?.Context;
            if (run != null)
            {
                var outcome = attempts.Run(run, leased.Task, shutdown);
                // An attempt cut short by the engine closing is not an outcome: the step stays
                // Running in the store and the next session runs it again. One that ended is
                // posted even while the engine closes, so a finished step is not run twice.
                if (outcome.Interrupted) return;
                run.Report(outcome);
            }
            queue.AckAsync(leased).AsTask().GetAwaiter().GetResult();
        }
    }
}
