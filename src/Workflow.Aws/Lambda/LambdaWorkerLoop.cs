using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Distributed;
using Workflow.Model;

namespace Workflow.Aws.Lambda;

/// <summary>
/// The custom runtime's loop: for each invocation the Runtime API hands out, a
/// <see cref="RemoteWorker"/> over the invocation's SQS batch (<see cref="SqsEventBatch"/>) with the
/// host's one coordinator, the same worker code as Start-WorkflowWorker's; then the batch item
/// failures are posted as the response. Near the deadline no further record is started and running
/// steps are cancelled (their messages released), so the response is in before Lambda ends the
/// invocation. An invocation that cannot be handled posts its error. The process stays warm: the
/// coordinator, its package cache and the executors' runspaces serve every invocation.
/// </summary>
public sealed class LambdaWorkerLoop
{
    private readonly LambdaRuntimeClient runtime;
    private readonly RegionHost host;
    private readonly AwsRegion region;
    private readonly FunctionWorkerSettings settings;

    public LambdaWorkerLoop(LambdaRuntimeClient runtime, RegionHost host, FunctionWorkerSettings settings)
    {
        this.runtime = runtime;
        this.host = host;
        region = host.Connection as AwsRegion
            ?? throw new ArgumentException($"A Lambda-hosted worker takes SQS batches: region {host.Region} is not an AWS region's connection.", nameof(host));
        this.settings = settings;
    }

    /// <summary>Serves invocations until <paramref name="stop"/> (or MaxInvocations); each outcome is reported as it ends.</summary>
    public async Task<int> RunAsync(Action<WorkerEvent>? report, Action<FunctionInvocationOutcome>? done, CancellationToken stop)
    {
        var served = 0;
        while (!stop.IsCancellationRequested && (settings.MaxInvocations == 0 || served < settings.MaxInvocations))
        {
            var invocation = await runtime.NextAsync(stop).ConfigureAwait(false);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            FunctionInvocationOutcome outcome;
            try
            {
                var (response, batch, worker) = await HandleAsync(invocation, report, stop).ConfigureAwait(false);
                await runtime.RespondAsync(invocation.RequestId, response, stop).ConfigureAwait(false);
                outcome = new FunctionInvocationOutcome(invocation.RequestId, batch.Count, batch.BatchItemFailures, worker, null, clock.Elapsed);
            }
            catch (Exception e) when (!(e is OperationCanceledException && stop.IsCancellationRequested))
            {
                var type = e is WorkflowException w ? w.ErrorId : e.GetType().Name;
                await runtime.FailAsync(invocation.RequestId, type, e.Message, stop).ConfigureAwait(false);
                outcome = new FunctionInvocationOutcome(invocation.RequestId, 0, Array.Empty<string>(), null, $"{type}: {e.Message}", clock.Elapsed);
            }
            served++;
            done?.Invoke(outcome);
        }
        return served;
    }

    /// <summary>Runs one invocation's batch; returns the response to post, the batch and the worker's counts.</summary>
    public async Task<(string Response, SqsEventBatch Batch, WorkerInfo Worker)> HandleAsync(LambdaInvocationRequest invocation, Action<WorkerEvent>? report, CancellationToken stop)
    {
        var now = DateTimeOffset.UtcNow;
        var deadline = invocation.Deadline ?? now + settings.FunctionTimeout;
        var window = deadline - now;
        // Leases stop with a fifth of the window left (1–30 s); running steps are cancelled 0.5–5 s before the end.
        var stopLeasingAt = deadline - Clamp(TimeSpan.FromTicks(window.Ticks / 5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        var cancelAt = deadline - Clamp(TimeSpan.FromTicks(window.Ticks / 20), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
        var batch = await SqsEventBatch.ReadAsync(invocation.EventJson, region.Queue, region.Deployments, stopLeasingAt, stop).ConfigureAwait(false);
        foreach (var arn in batch.UnknownSources)
        {
            report?.Invoke(new WorkerEvent(null, null, TimeSpan.Zero, TimeSpan.Zero,
                $"Records from {arn} are not of a workflow deployed to {host.Region} in bucket '{host.Bucket}': left to the mapping as batch item failures."));
        }
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var untilCancel = cancelAt - DateTimeOffset.UtcNow;
        ending.CancelAfter(untilCancel > TimeSpan.Zero ? untilCancel : TimeSpan.Zero);
        var worker = host.WorkerOver(batch, Math.Min(Math.Max(1, batch.Count), settings.MaxConcurrency));
        // The worker's lanes are threads of their own; this waits for them without holding one.
        var info = await Task.Factory.StartNew(() => worker.Run(report, ending.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        await batch.ReturnUnstartedAsync(stop).ConfigureAwait(false);
        // Before the response: Lambda may freeze the process as soon as it is posted.
        await region.Queue.FlushAcksAsync().ConfigureAwait(false);
        return (batch.ResponseJson(), batch, info);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan low, TimeSpan high) => value < low ? low : value > high ? high : value;
}
