using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>Runs side by side, runs stopped early, expressions that fail, executors that break their contract.</summary>
public sealed class EngineRobustnessTests : IDisposable
{
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Concurrent_runs_of_one_workflow_keep_their_own_inputs_and_outputs()
    {
        var executor = new ScriptedExecutor().On("double", async (invocation, ct) =>
        {
            var n = (int)JsonNode.Parse(invocation.InputJson)!["input"]!["n"]!;
            await Task.Delay(n % 3 * 10, ct);
            return (n * 2).ToString();
        });
        var engine = home.Open(executor);
        var workflowId = await home.PublishAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: double
                run: s.ps1
              - name: report
                needs: double
                run: s.ps1
            """);

        var runs = Enumerable.Range(0, 12).Select(n => (N: n, Run: engine.StartRun(workflowId, $$"""{"n":{{n}}}"""))).ToList();
        foreach (var (n, run) in runs)
        {
            Assert.Equal(RunState.Succeeded, (await EngineHome.WaitAsync(engine, run.RunId)).State);
            var report = executor.Of("report").Single(a => (string?)a.Context["runId"] == run.RunId);
            Assert.Equal(n * 2, (int)report.Input["steps"]!["double"]!);
        }
        Assert.Equal(12, runs.Select(r => r.Run.RunId).Distinct().Count());
    }

    [Fact]
    public async Task Run_stopped_right_after_it_starts_ends_cancelled()
    {
        var executor = new ScriptedExecutor().Hangs("first");
        var engine = home.Open(executor);
        var workflowId = await home.PublishAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: first
                run: s.ps1
              - name: second
                needs: first
                run: s.ps1
            """);

        var run = engine.StartRun(workflowId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stopped = await engine.StopAsync(run.RunId, timeout.Token);

        Assert.Equal(RunState.Cancelled, stopped.State);
        Assert.All(stopped.Steps, s => Assert.Equal(StepState.Cancelled, s.State));
        Assert.Empty(executor.Of("second"));
    }

    [Fact]
    public async Task Step_whose_if_cannot_be_evaluated_fails_and_the_run_error_names_it()
    {
        var executor = new ScriptedExecutor();
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: odd
                if: input.n * 2 > 3
                run: s.ps1
            """, """{"n":"not a number"}""");

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StepState.Failed, run.StateOf("odd"));
        Assert.Contains("odd", run.Error);
        Assert.Empty(executor.Attempts);
    }

    [Fact]
    public async Task Step_whose_executor_returns_text_that_is_not_JSON_fails_the_run()
    {
        var executor = new ScriptedExecutor().Returns("garbled", "this is not json");
        var engine = home.Open(executor);
        var workflowId = await home.PublishAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: garbled
                run: s.ps1
            """);
        var run = engine.StartRun(workflowId);

        // WaitAsync must report the failed run, not throw the scheduler's JsonException; the store must say Failed.
        var final = await EngineHome.WaitAsync(engine, run.RunId);

        Assert.Equal(RunState.Failed, final.State);
        Assert.Equal(StepState.Failed, final.StateOf("garbled"));
        Assert.Equal(RunState.Failed, engine.GetRun(run.RunId).State);
    }

    [Fact]
    public async Task Interrupted_run_can_be_stopped_from_another_session()
    {
        using var release = new CancellationTokenSource();
        var first = new ScriptedExecutor().On("slow", async (_, _) => { await Task.Delay(Timeout.Infinite, release.Token); return "null"; });
        var engineA = home.Open(EngineHome.Options with { Parallelism = 1 }, first);
        var run = engineA.StartRun(await home.PublishAsync(engineA, """
            name: flow
            version: 1.0.0
            steps:
              - name: slow
                run: s.ps1
              - name: next
                needs: slow
                run: s.ps1
            """));
        await first.WhenStarted("slow").WaitAsync(TimeSpan.FromSeconds(10));
        engineA.Dispose();
        release.Cancel();
        await Task.Delay(400);

        var engineB = home.Open(EngineHome.Options with { Heartbeat = TimeSpan.FromMilliseconds(50) }, new ScriptedExecutor());
        var stopped = await engineB.StopAsync(run.RunId, default);

        Assert.Equal(RunState.Cancelled, stopped.State);
        Assert.All(stopped.Steps, s => Assert.Equal(StepState.Cancelled, s.State));
        Assert.Null(stopped.Owner);
    }

    [Fact]
    public async Task Secret_values_are_given_to_the_step_and_redacted_from_its_errors_and_logs()
    {
        var name = "WF_TEST_SECRET_" + Guid.NewGuid().ToString("N").Substring(0, 8).ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "hunter2-value");
        try
        {
            var executor = new ScriptedExecutor().On("leaky", (invocation, _) =>
            {
                invocation.Log.Write("Information", "token is " + invocation.Environment[name]);
                throw new Workflow.Executors.StepFailedException(WorkflowErrors.StepScriptFailed, "bad token " + invocation.Environment[name]);
            });
            var engine = home.Open(executor);

            var run = await home.RunAsync(engine, $"""
                name: flow
                version: 1.0.0
                secrets: [{name}]
                environment: {"{"} LEVEL: debug {"}"}
                steps:
                  - name: leaky
                    environment: {"{"} MODE: fast {"}"}
                    run: s.ps1
                """);

            Assert.Equal(RunState.Failed, run.State);
            Assert.DoesNotContain("hunter2-value", run.Error);
            Assert.Contains("***", run.Step("leaky").Error);
            Assert.DoesNotContain("hunter2-value", run.Step("leaky").Error);
            var logs = engine.GetLogs(run.RunId);
            Assert.Contains(logs, l => l.Message == "token is ***");
            Assert.DoesNotContain(logs, l => l.Message.Contains("hunter2-value"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task Workflow_and_step_environment_reach_a_command_step()
    {
        var engine = home.Open();

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            environment: { LEVEL: debug, MODE: slow }
            steps:
              - name: env
                environment: { MODE: fast }
                command: [sh, -c, 'cat > /dev/null; printf "{\"level\":\"%s\",\"mode\":\"%s\"}" "$LEVEL" "$MODE"']
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"level":"debug","mode":"fast"}"""), await engine.ReceiveAsync(run.RunId)));
    }
}
