using System.Collections.Generic;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Channels;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>What the scheduler and the workers of one active run share in this process.</summary>
internal sealed class RunContext : IAttemptHost
{
    private readonly CancellationTokenSource tasks = new();
    private readonly Channel<TaskOutcome> outcomes = Channel.CreateUnbounded<TaskOutcome>();

    public RunContext(string runId, PublishedWorkflow workflow, JsonNode? input, EngineServices services, RunSecrets secrets)
    {
        RunId = runId;
        Workflow = workflow;
        Input = input;
        Writer = services.Writer;
        Queue = services.Queue;
        Outputs = services.Outputs;
        Store = services.Store;
        Secrets = secrets;
        Owner = services.Owner;
        Closing = services.Closing;
    }

    public string RunId { get; }
    public PublishedWorkflow Workflow { get; }
    public JsonNode? Input { get; }
    public StoreWriter Writer { get; }
    public ITaskQueue Queue { get; }
    public OutputStorage Outputs { get; }
    public IRunStore Store { get; }
    public RunSecrets Secrets { get; }

    /// <summary>The session carrying the run on (see <see cref="RunOwner"/>).</summary>
    public string Owner { get; }

    /// <summary>
    /// Cancelled when the engine shuts down with its session: not a stop of the run. Running
    /// attempts are interrupted, not failed, and nothing new is dispatched; the run stays resumable.
    /// </summary>
    public CancellationToken Closing { get; }

    /// <summary>Cancelled when the run stops or a step fails: reaches every running attempt.</summary>
    public CancellationToken Cancellation => tasks.Token;

    public bool StopRequested { get; private set; }

    public void Record(StoreChange change) => Writer.Post(change);

    /// <summary>A worker reports a task's outcome; the run's scheduler takes it from <see cref="Outcomes"/>.</summary>
    public void Report(TaskOutcome outcome) => outcomes.Writer.TryWrite(outcome);

    /// <summary>The outcomes workers reported, in the order they arrived.</summary>
    public ChannelReader<TaskOutcome> Outcomes => outcomes.Reader;

    /// <summary>No more outcomes come: the engine is closing and its workers have stopped.</summary>
    public void EndOutcomes() => outcomes.Writer.TryComplete();

    public void CancelTasks() => tasks.Cancel();

    public void Stop()
    {
        StopRequested = true;
        tasks.Cancel();
    }

    /// <summary>Replaces every secret's value with *** so it reaches neither the store nor the logs.</summary>
    public string Redact(string text) => Secrets.Redact(text);
}

/// <summary>The engine's shared parts, handed to what it creates.</summary>
internal sealed record EngineServices(IRunStore Store, StoreWriter Writer, ITaskQueue Queue, OutputStorage Outputs, string Owner, CancellationToken Closing);
