using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Store;
using Xunit.Abstractions;

namespace Workflow.Tests.Engine;

/// <summary>
/// Resume-WorkflowRun: a run whose session ended carries on in another; finished steps keep their
/// outputs and do not run again, the step that was running runs again with the next attempt.
/// </summary>
public sealed class ResumeTests : IDisposable
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
          - name: s4
            needs: s3
            run: s.ps1
        """;

    // Taken as interrupted once its owner is silent for 6 beats: 300 ms.
    private static readonly EngineOptions Resumer = EngineHome.Options with { Heartbeat = TimeSpan.FromMilliseconds(50) };

    private readonly EngineHome home = new();
    private readonly ITestOutputHelper output;

    public ResumeTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Run_that_was_failing_when_its_session_died_still_ends_Failed()
    {
        // A session dies after one step failed while a sibling still ran: the store holds exactly that.
        var engineA = home.Open(new ScriptedExecutor());
        var workflowId = await home.PublishAsync(engineA, """
            name: split
            version: 1.0.0
            steps:
              - name: bad
                run: s.ps1
              - name: slow
                run: s.ps1
              - name: after
                needs: [bad, slow]
                run: s.ps1
            """);
        var now = DateTimeOffset.UtcNow;
        engineA.Store.CreateRun(new WorkflowRun { RunId = "dead1", WorkflowId = workflowId, CreatedAt = now.AddMinutes(-1), Owner = "gone:0:dead" }, new[] { "bad", "slow", "after" });
        engineA.Store.Apply(new StoreChange[]
        {
            new RunStateChange("dead1", now, RunState.Running),
            new StepStateChange("dead1", now, "bad", StepState.Failed, 1, Error: "boom"),
            new StepStateChange("dead1", now, "slow", StepState.Running, 1),
        });
        engineA.Dispose();

        var second = new ScriptedExecutor().Returns("slow", "1");
        var engineB = home.Open(Resumer, second);
        engineB.Resume("dead1");
        var resumed = await EngineHome.WaitAsync(engineB, "dead1");

        Assert.Equal(RunState.Failed, resumed.State);
        Assert.Contains("bad", resumed.Error);
        Assert.Equal(StepState.Cancelled, resumed.StateOf("after"));
        Assert.DoesNotContain(second.Attempts, a => a.Step == "after");
    }

    [Fact]
    public async Task Interrupted_run_resumes_without_rerunning_finished_steps()
    {
        using var release = new CancellationTokenSource();
        var first = new ScriptedExecutor()
            .Returns("s1", """{"from":"s1"}""")
            .Returns("s2", """{"from":"s2"}""")
            // The session "dies" while s3 runs: it waits on a signal of the test, not on its token.
            .On("s3", async (_, _) => { await Task.Delay(Timeout.Infinite, release.Token); return "null"; });
        var engineA = home.Open(first);
        var run = engineA.StartRun(await home.PublishAsync(engineA, Chain), """{"job":7}""");
        await first.WhenStarted("s3").WaitAsync(TimeSpan.FromSeconds(10));
        var beforeDispose = engineA.GetRun(run.RunId);
        Assert.Equal(StepState.Succeeded, beforeDispose.StateOf("s1"));
        Assert.Equal(StepState.Succeeded, beforeDispose.StateOf("s2"));
        Assert.Equal(StepState.Running, beforeDispose.StateOf("s3"));

        var clock = Stopwatch.StartNew();
        engineA.Dispose();
        output.WriteLine($"Dispose of the engine with a running step took {clock.ElapsedMilliseconds} ms.");
        // Let the leaked attempt end now that its session's store is closed; it must change nothing.
        release.Cancel();
        await Task.Delay(400);

        var second = new ScriptedExecutor().Returns("s3", """{"from":"s3"}""");
        var engineB = home.Open(Resumer, second);
        var interrupted = engineB.GetRun(run.RunId);
        Assert.Equal(RunState.Running, interrupted.State);
        Assert.Equal(StepState.Running, interrupted.StateOf("s3"));

        engineB.Resume(run.RunId);
        var resumed = await EngineHome.WaitAsync(engineB, run.RunId);

        Assert.Equal(RunState.Succeeded, resumed.State);
        Assert.Equal(new[] { "s3", "s4" }, second.Attempts.Select(a => a.Step));
        var s3 = second.Of("s3").Single();
        Assert.Equal(2, s3.Attempt);
        Assert.Equal(7, (int)s3.Input["input"]!["job"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"s2":{"from":"s2"}}"""), s3.Input["steps"]));
        Assert.Equal(1, second.Of("s4").Single().Attempt);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"s3":{"from":"s3"}}"""), second.Of("s4").Single().Input["steps"]));
        Assert.Equal(2, resumed.Step("s3").Attempt);
        Assert.Equal(1, resumed.Step("s1").Attempt);
        Assert.Equal(new[] { "s1", "s2", "s3" }, first.Attempts.Select(a => a.Step));
        var history = engineB.GetHistory(run.RunId);
        Assert.Equal(new[] { "attempt 1", "attempt 2" }, history.Where(h => h.Step == "s3" && h.State == "AttemptStarted").Select(h => h.Detail));
        Assert.Equal("Succeeded", history.Last(h => h.Step == null).State);
    }

    [Fact]
    public async Task Interrupted_foreach_resumes_only_its_unfinished_items()
    {
        using var release = new CancellationTokenSource();
        var first = new ScriptedExecutor().On("each", async (invocation, _) =>
        {
            var item = (int)JsonNode.Parse(invocation.InputJson)!["item"]!;
            if (item >= 2) await Task.Delay(Timeout.Infinite, release.Token);
            return (item * 10).ToString();
        });
        // One worker: items run in order, so items 0 and 1 finish and item 2 is running when the session ends.
        var engineA = home.Open(EngineHome.Options with { Parallelism = 1 }, first);
        var workflowId = await home.PublishAsync(engineA, """
            name: fan
            version: 1.0.0
            steps:
              - name: each
                foreach: input
                run: s.ps1
            """);
        var run = engineA.StartRun(workflowId, "[0,1,2,3]");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (engineA.Store.GetItemRecords(run.RunId, "each").Count(i => i.State == StepState.Succeeded) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        engineA.Dispose();
        release.Cancel();
        await Task.Delay(400);

        var second = new ScriptedExecutor().On("each", (invocation, _) =>
            Task.FromResult(((int)JsonNode.Parse(invocation.InputJson)!["item"]! * 10).ToString()));
        var engineB = home.Open(Resumer, second);
        engineB.Resume(run.RunId);
        var resumed = await EngineHome.WaitAsync(engineB, run.RunId);

        Assert.Equal(RunState.Succeeded, resumed.State);
        Assert.Equal(new[] { 2, 3 }, second.Attempts.Select(a => (int)a.Item!).OrderBy(i => i));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("[0,10,20,30]"), await engineB.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Run_of_a_live_session_is_not_resumed_by_another()
    {
        var first = new ScriptedExecutor().Hangs("s1");
        var engineA = home.Open(EngineHome.Options with { Heartbeat = TimeSpan.FromMilliseconds(50) }, first);
        var run = engineA.StartRun(await home.PublishAsync(engineA, Chain));
        await first.WhenStarted("s1").WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(400);

        // B judges A's run stale after 6 of its own beats: 1.5 s, so a loaded machine (the hosted
        // tests run beside these) cannot make A's 50 ms beats look late.
        var engineB = home.Open(Resumer with { Heartbeat = TimeSpan.FromMilliseconds(250) }, new ScriptedExecutor());
        var e = Assert.Throws<WorkflowException>(() => engineB.Resume(run.RunId));

        Assert.Equal("WorkflowRunOwnedElsewhere", e.ErrorId);
        await engineA.StopAsync(run.RunId, default);
    }

    [Fact]
    public async Task Resuming_a_finished_run_returns_it_unchanged()
    {
        var executor = new ScriptedExecutor();
        var engine = home.Open(executor);
        var run = await home.RunAsync(engine, Chain);

        var resumed = engine.Resume(run.RunId);

        Assert.Equal(RunState.Succeeded, resumed.State);
        Assert.Equal(4, executor.Attempts.Count);
    }
}
