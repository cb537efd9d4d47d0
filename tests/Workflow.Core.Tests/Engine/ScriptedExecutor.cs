using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>
/// A script-step executor whose behaviour is given per step name. It records every attempt (with its
/// input document and the order it started and ended in) so tests can assert on what the engine did.
/// </summary>
internal sealed class ScriptedExecutor : IStepExecutor
{
    private readonly ConcurrentDictionary<string, Func<StepInvocation, CancellationToken, Task<string>>> behaviours = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StepAttempt> attempts = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StepAttempt>> started = new(StringComparer.Ordinal);
    private long sequence;

    public StepKind Kind => StepKind.Script;

    /// <summary>Gives a step its behaviour; steps without one output {"step": name}.</summary>
    public ScriptedExecutor On(string step, Func<StepInvocation, CancellationToken, Task<string>> behaviour)
    {
        behaviours[step] = behaviour;
        return this;
    }

    public ScriptedExecutor Returns(string step, string json) => On(step, (_, _) => Task.FromResult(json));

    /// <summary>The step waits on its token until cancelled (stop, timeout, or a failing sibling).</summary>
    public ScriptedExecutor Hangs(string step) => On(step, async (_, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        return "null";
    });

    public ScriptedExecutor Fails(string step, string message = "it broke") =>
        On(step, (_, _) => throw new StepFailedException(WorkflowErrors.StepScriptFailed, message));

    public IReadOnlyList<StepAttempt> Attempts => attempts.OrderBy(a => a.StartSequence).ToArray();

    public IReadOnlyList<StepAttempt> Of(string step) => Attempts.Where(a => a.Step == step).ToArray();

    /// <summary>Completes when the step's first attempt has started.</summary>
    public Task<StepAttempt> WhenStarted(string step) => Started(step).Task;

    public async Task<string> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var attempt = new StepAttempt(invocation.Step.Name, (JsonObject)JsonNode.Parse(invocation.InputJson)!, Interlocked.Increment(ref sequence), DateTimeOffset.UtcNow);
        attempts.Enqueue(attempt);
        Started(attempt.Step).TrySetResult(attempt);
        try
        {
            var output = behaviours.TryGetValue(attempt.Step, out var behaviour)
                ? await behaviour(invocation, cancellationToken)
                : new JsonObject { ["step"] = attempt.Step }.ToJsonString();
            return output;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            attempt.TokenCancelled = true;
            throw;
        }
        finally
        {
            attempt.EndSequence = Interlocked.Increment(ref sequence);
            attempt.EndedAt = DateTimeOffset.UtcNow;
        }
    }

    private TaskCompletionSource<StepAttempt> Started(string step) =>
        started.GetOrAdd(step, _ => new TaskCompletionSource<StepAttempt>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>One attempt the executor saw: its input document and when it started and ended.</summary>
internal sealed class StepAttempt
{
    public StepAttempt(string step, JsonObject input, long startSequence, DateTimeOffset startedAt)
    {
        Step = step;
        Input = input;
        StartSequence = startSequence;
        StartedAt = startedAt;
    }

    public string Step { get; }
    public JsonObject Input { get; }
    public long StartSequence { get; }
    public DateTimeOffset StartedAt { get; }
    public long EndSequence { get; set; }
    public DateTimeOffset EndedAt { get; set; }
    public bool TokenCancelled { get; set; }

    public JsonObject Context => Input["context"]!.AsObject();
    public int Attempt => (int)Context["attempt"]!;
    public JsonNode? Item => Input["item"];
}
