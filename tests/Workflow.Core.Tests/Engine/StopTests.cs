using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>Stop-WorkflowRun: running attempts are cancelled, the rest never start, the run ends Cancelled.</summary>
public sealed class StopTests : IDisposable
{
    private const string Chain = """
        name: flow
        version: 1.0.0
        steps:
          - name: first
            run: s.ps1
          - name: second
            needs: first
            run: s.ps1
          - name: third
            needs: second
            run: s.ps1
        """;

    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Stopping_a_running_run_cancels_the_running_step_and_the_pending_ones()
    {
        var executor = new ScriptedExecutor().Hangs("second");
        var engine = home.Open(executor);
        var run = engine.StartRun(await home.PublishAsync(engine, Chain));
        await executor.WhenStarted("second").WaitAsync(TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stopped = await engine.StopAsync(run.RunId, timeout.Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal(RunState.Cancelled, stopped.State);
        Assert.Equal(StepState.Succeeded, stopped.StateOf("first"));
        Assert.Equal(StepState.Cancelled, stopped.StateOf("second"));
        Assert.Equal(StepState.Cancelled, stopped.StateOf("third"));
        Assert.True(executor.Of("second")[0].TokenCancelled);
        Assert.Empty(executor.Of("third"));
        Assert.Equal(RunState.Cancelled, engine.GetRun(run.RunId).State);
        Assert.NotNull(stopped.EndedAt);
    }

    [Fact]
    public async Task Stopping_a_run_waiting_to_retry_cancels_it_at_once()
    {
        var executor = new ScriptedExecutor().Fails("first", "not yet");
        var engine = home.Open(executor);
        var run = engine.StartRun(await home.PublishAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: first
                retry: { max_attempts: 5, interval: 30s }
                run: s.ps1
              - name: second
                needs: first
                run: s.ps1
            """));
        await executor.WhenStarted("first").WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        var clock = Stopwatch.StartNew();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stopped = await engine.StopAsync(run.RunId, timeout.Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {clock.Elapsed}.");
        Assert.Equal(RunState.Cancelled, stopped.State);
        Assert.Equal(StepState.Cancelled, stopped.StateOf("first"));
        Assert.Single(executor.Of("first"));
    }

    [Fact]
    public async Task Cancelling_a_foreground_wait_stops_the_sessions_run_and_returns_it_Cancelled()
    {
        var executor = new ScriptedExecutor().Hangs("second");
        var engine = home.Open(executor);
        var run = engine.StartRun(await home.PublishAsync(engine, Chain));
        await executor.WhenStarted("second").WaitAsync(TimeSpan.FromSeconds(10));

        using var ctrlC = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var stopped = await engine.WaitOrStopAsync(run.RunId, ctrlC.Token);

        Assert.Equal(RunState.Cancelled, stopped.State);
        Assert.Equal(StepState.Cancelled, stopped.StateOf("third"));
    }

    [Fact]
    public async Task Stopping_a_finished_run_is_WorkflowRunAlreadyFinished_and_leaves_it_unchanged()
    {
        var engine = home.Open(new ScriptedExecutor());
        var run = await home.RunAsync(engine, Chain);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var error = await Assert.ThrowsAsync<WorkflowException>(() => engine.StopAsync(run.RunId, timeout.Token));

        Assert.Equal("WorkflowRunAlreadyFinished", error.ErrorId);
        Assert.Equal(RunState.Succeeded, engine.GetRun(run.RunId).State);
    }
}
