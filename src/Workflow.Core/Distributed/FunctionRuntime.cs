using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Distributed;

/// <summary>
/// A serverless runtime that hands a region's worker its invocations (Lambda's Runtime API is the one
/// there is: Workflow.Aws's LambdaRuntimeClient): the port through which Start-WorkflowWorker
/// -LambdaRuntime serves them without knowing the provider, as it opens the region through
/// <see cref="RegionRuns"/>.
/// </summary>
public interface IFunctionRuntime : IDisposable
{
    /// <summary>Reports that the function could not start (before any invocation was taken).</summary>
    Task InitErrorAsync(string errorType, string message, CancellationToken cancellationToken);

    /// <summary>Serves invocations with the host's worker until <paramref name="stop"/> or MaxInvocations; returns how many.</summary>
    Task<int> ServeAsync(RegionHost host, FunctionWorkerSettings settings, Action<WorkerEvent>? report, Action<FunctionInvocationOutcome>? done, CancellationToken stop);
}

/// <summary>How a function-hosted worker (Lambda) runs its invocations.</summary>
public sealed record FunctionWorkerSettings
{
    /// <summary>Lanes an invocation runs at most: one per record of its batch, up to this.</summary>
    public int MaxConcurrency { get; init; } = 10;
    /// <summary>The function's timeout: the deadline when the Runtime API gives none that is a time (an emulator's constant).</summary>
    public TimeSpan FunctionTimeout { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>Return after this many invocations (0: serve until stopped, as in Lambda).</summary>
    public int MaxInvocations { get; init; }
}

/// <summary>What one invocation did: its records, the ones reported back to the mapping, the worker's counts, or the error posted.</summary>
public sealed record FunctionInvocationOutcome(string RequestId, int Records, IReadOnlyList<string> BatchItemFailures, WorkerInfo? Worker, string? Error, TimeSpan Elapsed);

