using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>A failed step fails the run, cancels its dependents and stops its running siblings.</summary>
public sealed class FailureTests : IDisposable
{
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Failed_step_cancels_dependents_and_running_siblings_and_fails_the_run()
    {
        var executor = new ScriptedExecutor().Hangs("slow");
        executor.On("bad", async (_, _) =>
        {
            // Fail only once the sibling is running, so the test shows a running step being cancelled.
            await executor.WhenStarted("slow");
            throw new StepFailedException(WorkflowErrors.StepScriptFailed, "disk full");
        });
        var engine = home.Open(executor);
        var clock = Stopwatch.StartNew();

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: bad
                run: s.ps1
              - name: slow
                run: s.ps1
              - name: after_bad
                needs: bad
                run: s.ps1
              - name: after_slow
                needs: slow
                run: s.ps1
            """);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The run took {clock.Elapsed}; the slow sibling was not cancelled.");
        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains("bad", run.Error);
        Assert.Contains("disk full", run.Error);
        Assert.Equal(StepState.Failed, run.StateOf("bad"));
        Assert.Contains("disk full", run.Step("bad").Error);
        Assert.Equal(StepState.Cancelled, run.StateOf("slow"));
        Assert.Equal(StepState.Cancelled, run.StateOf("after_bad"));
        Assert.Equal(StepState.Cancelled, run.StateOf("after_slow"));
        Assert.True(executor.Of("slow").Single().TokenCancelled);
        Assert.Empty(executor.Of("after_bad"));
        Assert.Empty(executor.Of("after_slow"));
    }

    [Fact]
    public async Task Step_that_throws_an_unexpected_exception_fails_with_its_message()
    {
        var executor = new ScriptedExecutor().On("boom", (_, _) => throw new InvalidOperationException("unexpected state"));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: boom
                run: s.ps1
            """);

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StepState.Failed, run.StateOf("boom"));
        Assert.Contains("unexpected state", run.Step("boom").Error);
    }

    [Fact]
    public async Task Step_failing_twice_then_succeeding_with_three_attempts_succeeds()
    {
        var calls = 0;
        var executor = new ScriptedExecutor().On("flaky", (_, _) =>
            Interlocked.Increment(ref calls) < 3
                ? throw new StepFailedException(WorkflowErrors.StepScriptFailed, "try again")
                : Task.FromResult("""{"ok":true}"""));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: flaky
                retry: { max_attempts: 3, interval: 100ms, backoff_rate: 2 }
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(StepState.Succeeded, run.StateOf("flaky"));
        Assert.Equal(3, run.Step("flaky").Attempt);
        var attempts = executor.Of("flaky");
        Assert.Equal(new[] { 1, 2, 3 }, attempts.Select(a => a.Attempt));
        // Waits are at least half the ceiling: >= 50 ms before attempt 2 and >= 100 ms before attempt 3.
        Assert.True(attempts[2].StartedAt - attempts[0].EndedAt >= TimeSpan.FromMilliseconds(140),
            $"Only {(attempts[2].StartedAt - attempts[0].EndedAt).TotalMilliseconds} ms passed between attempts 1 and 3.");
        Assert.True(attempts[1].StartedAt - attempts[0].EndedAt >= TimeSpan.FromMilliseconds(45));
        var started = engine.GetHistory(run.RunId).Where(h => h.Step == "flaky" && h.State == "AttemptStarted").ToList();
        Assert.Equal(new[] { "attempt 1", "attempt 2", "attempt 3" }, started.Select(h => h.Detail));
        Assert.Equal(2, engine.GetLogs(run.RunId, "flaky").Count(l => l.Message.Contains("try again")));
    }

    [Fact]
    public async Task Step_failing_every_attempt_fails_after_max_attempts_with_the_last_error()
    {
        var executor = new ScriptedExecutor();
        executor.On("broken", (invocation, _) =>
            throw new StepFailedException(WorkflowErrors.StepScriptFailed, "failure " + JsonAttempt(invocation)));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: broken
                retry: { max_attempts: 2, interval: 10ms }
                run: s.ps1
            """);

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(2, executor.Of("broken").Count);
        Assert.Equal(2, run.Step("broken").Attempt);
        Assert.Contains("failure 2", run.Step("broken").Error);
        Assert.Contains("failure 2", run.Error);
    }

    [Fact]
    public async Task Step_over_its_timeout_fails_with_timed_out()
    {
        var executor = new ScriptedExecutor().Hangs("stuck");
        var engine = home.Open(executor);
        var clock = Stopwatch.StartNew();

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: stuck
                timeout: 200ms
                run: s.ps1
            """);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StepState.Failed, run.StateOf("stuck"));
        Assert.Contains("timed out", run.Step("stuck").Error);
        Assert.Contains("stuck", run.Error);
        Assert.True(executor.Of("stuck").Single().TokenCancelled);
    }

    [Fact]
    public async Task Timed_out_attempt_is_retried()
    {
        var executor = new ScriptedExecutor().On("slowstart", async (invocation, ct) =>
        {
            if (JsonAttempt(invocation) == 1) await Task.Delay(Timeout.Infinite, ct);
            return "\"second time lucky\"";
        });
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: slowstart
                timeout: 200ms
                retry: { max_attempts: 2, interval: 10ms }
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(new[] { 1, 2 }, executor.Of("slowstart").Select(a => a.Attempt));
        Assert.Equal("second time lucky", (string?)await engine.ReceiveAsync(run.RunId));
    }

    private static int JsonAttempt(StepInvocation invocation) =>
        (int)System.Text.Json.Nodes.JsonNode.Parse(invocation.InputJson)!["context"]!["attempt"]!;
}
