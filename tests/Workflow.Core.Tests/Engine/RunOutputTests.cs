using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>Receive-WorkflowRun, and outputs too large to keep inline in the store.</summary>
public sealed class RunOutputTests : IDisposable
{
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Receive_returns_the_output_of_the_single_last_step()
    {
        var executor = new ScriptedExecutor().Returns("first", """{"a":1}""").Returns("last", """{"b":[1,2]}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: first
                run: s.ps1
              - name: last
                needs: first
                run: s.ps1
            """);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"b":[1,2]}"""), await engine.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Receive_returns_an_object_keyed_by_step_when_several_steps_are_last()
    {
        var executor = new ScriptedExecutor().Returns("left", "1").Returns("right", """{"r":true}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: root
                run: s.ps1
              - name: left
                needs: root
                run: s.ps1
              - name: right
                needs: root
                run: s.ps1
            """);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"left":1,"right":{"r":true}}"""), await engine.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Receive_evaluates_the_workflow_output_expression()
    {
        var executor = new ScriptedExecutor().Returns("report", """{"summary":{"count":7},"noise":"x"}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            output: steps.report.output.summary
            steps:
              - name: report
                run: s.ps1
              - name: other
                run: s.ps1
            """);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"count":7}"""), await engine.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Receive_output_expression_can_read_the_run_argument()
    {
        var engine = home.Open(new ScriptedExecutor());

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            output: input.label
            steps:
              - name: only
                run: s.ps1
            """, """{"label":"nightly"}""");

        Assert.Equal("nightly", (string?)await engine.ReceiveAsync(run.RunId));
    }

    [Fact]
    public async Task Receive_of_a_failed_run_fails_with_WorkflowRunNotSucceeded()
    {
        var engine = home.Open(new ScriptedExecutor().Fails("only", "nope"));

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: only
                run: s.ps1
            """);

        var e = await Assert.ThrowsAsync<WorkflowException>(() => engine.ReceiveAsync(run.RunId));
        Assert.Equal("WorkflowRunNotSucceeded", e.ErrorId);
    }

    [Fact]
    public async Task Receive_of_a_running_run_fails_with_WorkflowRunNotFinished()
    {
        var executor = new ScriptedExecutor().Hangs("only");
        var engine = home.Open(executor);
        var run = engine.StartRun(await home.PublishAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: only
                run: s.ps1
            """));
        await executor.WhenStarted("only").WaitAsync(TimeSpan.FromSeconds(10));

        var e = await Assert.ThrowsAsync<WorkflowException>(() => engine.ReceiveAsync(run.RunId));

        Assert.Equal("WorkflowRunNotFinished", e.ErrorId);
        // Disposing the engine does not cancel attempts: stop the run so no worker is left waiting.
        await engine.StopAsync(run.RunId, default);
    }

    [Fact]
    public async Task Output_over_the_inline_limit_is_stored_by_reference_yet_steps_and_receive_see_it_whole()
    {
        var big = new JsonObject { ["data"] = new string('x', 5000) }.ToJsonString();
        var executor = new ScriptedExecutor()
            .Returns("big", big)
            .On("echo", (invocation, _) => Task.FromResult(JsonNode.Parse(invocation.InputJson)!["steps"]!["big"]!.ToJsonString()));
        var engine = home.Open(EngineHome.Options with { InlineOutputLimit = 1024 }, executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: big
                run: s.ps1
              - name: small
                run: s.ps1
              - name: echo
                needs: [big, small]
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        var records = engine.Store.GetStepRecords(run.RunId).ToDictionary(r => r.Step);
        Assert.StartsWith("{\"$blob\":", records["big"].OutputJson);
        Assert.StartsWith("{\"$blob\":", records["echo"].OutputJson);
        Assert.Equal("""{"step":"small"}""", records["small"].OutputJson);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(big), executor.Of("echo").Single().Input["steps"]!["big"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(big), await engine.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Foreach_output_over_the_inline_limit_is_received_whole()
    {
        var executor = new ScriptedExecutor()
            .On("pad", (invocation, _) => Task.FromResult(new JsonObject
            {
                ["item"] = JsonNode.Parse(invocation.InputJson)!["item"]!.DeepClone(),
                ["pad"] = new string('y', 600),
            }.ToJsonString()));
        var engine = home.Open(EngineHome.Options with { InlineOutputLimit = 1024 }, executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: pad
                foreach: input
                run: s.ps1
            """, "[1,2,3]");

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.StartsWith("{\"$blob\":", engine.Store.GetStepRecords(run.RunId).Single().OutputJson);
        var received = (await engine.ReceiveAsync(run.RunId))!.AsArray();
        Assert.Equal(new[] { 1, 2, 3 }, received.Select(o => (int)o!["item"]!));
        Assert.All(received, o => Assert.Equal(600, ((string)o!["pad"]!).Length));
    }
}
