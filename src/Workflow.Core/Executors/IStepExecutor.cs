using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.Executors;

/// <summary>Runs one attempt of one step. The same contract for every kind (DESIGN §3, step contract).</summary>
public interface IStepExecutor
{
    StepKind Kind { get; }

    /// <summary>
    /// Runs the attempt and returns its output as JSON text ("null" for none). A failed attempt throws
    /// <see cref="StepFailedException"/>; cancellation (timeout or stop) throws OperationCanceledException.
    /// </summary>
    Task<string> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>Everything an executor needs for one attempt.</summary>
public sealed record StepInvocation
{
    public StepDefinition Step { get; init; } = new();
    /// <summary>The published package's folder: scripts and command working directory.</summary>
    public string PackageDirectory { get; init; } = "";
    /// <summary>The input document in its parts; <see cref="InputJson"/> is the whole text.</summary>
    public StepInput Input { get; init; } = new(new SharedInput("{\"input\":null,\"steps\":{}}"), null, new StepContext("", "", "", null, 1, "local", ""));

    /// <summary>The input document: { input, steps, item, context }.</summary>
    public string InputJson => Input.ToJson();
    /// <summary>Workflow and step environment plus secrets; only ever given to the step.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public string ArtifactsDirectory { get; init; } = "";
    public IStepLog Log { get; init; } = NullStepLog.Instance;
}

/// <summary>Where a step attempt's log lines go (redacted of secrets before they are stored).</summary>
public interface IStepLog
{
    void Write(string stream, string message);
}

public sealed class NullStepLog : IStepLog
{
    public static readonly NullStepLog Instance = new();

    public void Write(string stream, string message)
    {
    }
}

/// <summary>An attempt failed: non-zero exit, terminating error, output that is not JSON.</summary>
public sealed class StepFailedException : WorkflowException
{
    public StepFailedException(ErrorId error, string message, System.Exception? inner = null)
        : base(error, message, null, inner)
    {
    }
}
