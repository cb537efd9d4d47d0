using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;
using Xunit.Abstractions;

namespace Workflow.Tests.Engine;

/// <summary>
/// The session ends normally (pwsh exits, the module is removed): the engine's shutdown interrupts
/// its runs, it does not fail or cancel them, and the next session carries them on.
/// </summary>
public sealed class ShutdownTests : IDisposable
{
    private const string Chain = """
        name: chain
        version: 1.0.0
        steps:
          - name: s1
            run: s.ps1
          - name: s2
            needs: s1
            run: s.ps1
          - name: s3
            needs: s2
            run: s.ps1
        """;

    private readonly EngineHome home = new();
    private readonly ITestOutputHelper output;

    public ShutdownTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Shutdown_interrupts_the_running_step_without_failing_or_cancelling_it()
    {
        var first = new ScriptedExecutor().Hangs("s2");
        var engineA = home.Open(first);
        var run = engineA.StartRun(await home.PublishAsync(engineA, Chain));
        await first.WhenStarted("s2").WaitAsync(TimeSpan.FromSeconds(10));

        var clock = Stopwatch.StartNew();
        engineA.Dispose();
        output.WriteLine($"Shutdown with a running step took {clock.ElapsedMilliseconds} ms.");

        // Well inside the 5 s the engine allows attempts to unwind: the step heard the shutdown.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"Shutdown took {clock.Elapsed}.");
        Assert.True(first.Of("s2").Single().TokenCancelled);
        var engineB = home.Open(new ScriptedExecutor());
        var interrupted = engineB.GetRun(run.RunId);
        Assert.Equal(RunState.Running, interrupted.State);
        Assert.Null(interrupted.Owner);
        Assert.Equal(StepState.Succeeded, interrupted.StateOf("s1"));
        Assert.Equal(StepState.Running, interrupted.StateOf("s2"));
        Assert.Equal(StepState.Pending, interrupted.StateOf("s3"));
        var history = engineB.GetHistory(run.RunId);
        Assert.DoesNotContain(history, h => h.State is "Failed" or "Cancelled");
        var note = Assert.Single(history, h => h.State == "Interrupted");
        Assert.Null(note.Step);
        Assert.Contains("s2", note.Detail);
    }

    [Fact]
    public async Task Interrupted_run_resumes_by_itself_in_the_next_engine_without_rerunning_finished_steps()
    {
        var first = new ScriptedExecutor().Returns("s1", """{"from":"s1"}""").Hangs("s2");
        var engineA = home.Open(first);
        var run = engineA.StartRun(await home.PublishAsync(engineA, Chain));
        await first.WhenStarted("s2").WaitAsync(TimeSpan.FromSeconds(10));
        engineA.Dispose();

        // The run was let go: the next engine takes it at once, with no wait for its owner to look dead.
        var second = new ScriptedExecutor();
        var engineB = home.Open(EngineHome.Options with { ResumeInterrupted = true }, second);
        var resumed = await EngineHome.WaitAsync(engineB, run.RunId);

        Assert.Equal(RunState.Succeeded, resumed.State);
        Assert.Equal(new[] { "s1", "s2" }, first.Attempts.Select(a => a.Step));
        Assert.Equal(new[] { "s2", "s3" }, second.Attempts.Select(a => a.Step));
        Assert.Equal(2, second.Of("s2").Single().Attempt);
        Assert.Equal("s1", (string?)second.Of("s2").Single().Input["steps"]!["s1"]!["from"]);
        Assert.Equal(1, resumed.Step("s1").Attempt);
        Assert.Equal(2, resumed.Step("s2").Attempt);
    }

    [Fact]
    public async Task Resume_WorkflowRun_carries_on_a_run_of_a_session_that_ended_just_now()
    {
        var first = new ScriptedExecutor().Hangs("s1");
        var engineA = home.Open(first);
        var run = engineA.StartRun(await home.PublishAsync(engineA, Chain));
        await first.WhenStarted("s1").WaitAsync(TimeSpan.FromSeconds(10));
        engineA.Dispose();

        // Default heartbeat (5 s, stale after 30 s), and the same process: only the release lets it go now.
        var second = new ScriptedExecutor();
        var engineB = home.Open(second);
        engineB.Resume(run.RunId);
        var resumed = await EngineHome.WaitAsync(engineB, run.RunId);

        Assert.Equal(RunState.Succeeded, resumed.State);
        Assert.Equal(new[] { "s1", "s2", "s3" }, second.Attempts.Select(a => a.Step));
        Assert.NotNull(engineB.GetRun(run.RunId).EndedAt);
    }

    [Fact]
    public async Task An_attempt_that_ends_as_the_engine_closes_keeps_its_output_and_is_not_run_again()
    {
        // s1 finishes only once the shutdown has begun, and returns its output rather than giving up.
        var first = new ScriptedExecutor().On("s1", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            return """{"late":true}""";
        });
        var engineA = home.Open(first);
        var run = engineA.StartRun(await home.PublishAsync(engineA, Chain));
        await first.WhenStarted("s1").WaitAsync(TimeSpan.FromSeconds(10));
        engineA.Dispose();

        var second = new ScriptedExecutor();
        var engineB = home.Open(EngineHome.Options with { ResumeInterrupted = true }, second);
        var after = engineB.Store.GetStepRecords(run.RunId).Single(r => r.Step == "s1");
        var resumed = await EngineHome.WaitAsync(engineB, run.RunId);

        Assert.Equal(StepState.Succeeded, after.State);
        Assert.Equal(RunState.Succeeded, resumed.State);
        Assert.Equal(new[] { "s2", "s3" }, second.Attempts.Select(a => a.Step));
        Assert.True((bool)second.Of("s2").Single().Input["steps"]!["s1"]!["late"]!);
    }

    [Fact]
    public async Task Stopping_a_run_still_cancels_its_steps_and_the_engine_then_closes_cleanly()
    {
        var executor = new ScriptedExecutor().Hangs("s2");
        var engine = home.Open(executor);
        var run = engine.StartRun(await home.PublishAsync(engine, Chain));
        await executor.WhenStarted("s2").WaitAsync(TimeSpan.FromSeconds(10));

        var stopped = await engine.StopAsync(run.RunId, default);
        engine.Dispose();

        Assert.Equal(RunState.Cancelled, stopped.State);
        var reopened = home.Open(EngineHome.Options with { ResumeInterrupted = true }, new ScriptedExecutor()).GetRun(run.RunId);
        Assert.Equal(RunState.Cancelled, reopened.State);
        Assert.Equal(StepState.Cancelled, reopened.StateOf("s2"));
        Assert.Equal(StepState.Cancelled, reopened.StateOf("s3"));
    }

    [Fact]
    public async Task Waiting_on_a_run_when_the_engine_closes_says_the_run_is_interrupted()
    {
        var executor = new ScriptedExecutor().Hangs("s1");
        var engine = home.Open(executor);
        var run = engine.StartRun(await home.PublishAsync(engine, Chain));
        await executor.WhenStarted("s1").WaitAsync(TimeSpan.FromSeconds(10));
        var waiting = EngineHome.WaitAsync(engine, run.RunId);

        engine.Dispose();

        var e = await Assert.ThrowsAsync<WorkflowException>(() => waiting);
        Assert.Equal("WorkflowEngineClosed", e.ErrorId);
        Assert.Contains("Resume-WorkflowRun", e.Message);
    }
}
