using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>foreach fans a step out over an array; its output is the item outputs in item order.</summary>
public sealed class ForeachTests : IDisposable
{
    private const string Workflow = """
        name: fan
        version: 1.0.0
        steps:
          - name: split
            run: s.ps1
          - name: resize
            needs: split
            foreach: steps.split.output.images
            run: s.ps1
          - name: report
            needs: resize
            run: s.ps1
        """;

    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Foreach_over_no_items_succeeds_with_an_empty_array_and_runs_no_attempt()
    {
        var executor = new ScriptedExecutor().Returns("split", """{"images":[]}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Workflow);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(StepState.Succeeded, run.StateOf("resize"));
        Assert.Equal(0, run.Step("resize").Attempt);
        Assert.Empty(executor.Of("resize"));
        Assert.Equal("[]", engine.Store.GetStepRecords(run.RunId).Single(r => r.Step == "resize").OutputJson);
        var report = Assert.Single(executor.Of("report"));
        Assert.True(JsonNode.DeepEquals(new JsonArray(), report.Input["steps"]!["resize"]));
    }

    [Fact]
    public async Task Foreach_over_one_item_gives_a_one_element_array()
    {
        var executor = new ScriptedExecutor()
            .Returns("split", """{"images":["a.png"]}""")
            .On("resize", (invocation, _) => Task.FromResult(new JsonObject { ["resized"] = JsonNode.Parse(invocation.InputJson)!["item"]!.DeepClone() }.ToJsonString()));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Workflow);

        Assert.Equal(RunState.Succeeded, run.State);
        var resize = Assert.Single(executor.Of("resize"));
        Assert.Equal("a.png", (string?)resize.Item);
        Assert.Equal(1, resize.Attempt);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"resized":"a.png"}]"""), executor.Of("report").Single().Input["steps"]!["resize"]));
    }

    [Fact]
    public async Task Foreach_output_keeps_item_order_when_items_finish_out_of_order()
    {
        const int count = 50;
        var images = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode?)JsonValue.Create($"img{i}")).ToArray());
        var random = new Random(42);
        var delays = Enumerable.Range(0, count).Select(_ => random.Next(0, 25)).ToArray();
        var executor = new ScriptedExecutor()
            .Returns("split", new JsonObject { ["images"] = images }.ToJsonString())
            .On("resize", async (invocation, ct) =>
            {
                var item = (string)JsonNode.Parse(invocation.InputJson)!["item"]!;
                await Task.Delay(delays[int.Parse(item.Substring(3))], ct);
                return new JsonObject { ["name"] = item + ".small" }.ToJsonString();
            });
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Workflow);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(count, run.Step("resize").ItemCount);
        var attempts = executor.Of("resize");
        Assert.Equal(count, attempts.Count);
        Assert.Equal(images.Select(i => (string)i!).OrderBy(s => s), attempts.Select(a => (string)a.Item!).OrderBy(s => s));
        Assert.All(attempts, a => Assert.Equal(1, a.Attempt));
        var expected = new JsonArray(Enumerable.Range(0, count).Select(i => (JsonNode?)new JsonObject { ["name"] = $"img{i}.small" }).ToArray());
        Assert.True(JsonNode.DeepEquals(expected, executor.Of("report").Single().Input["steps"]!["resize"]));
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(engine.Store.GetStepRecords(run.RunId).Single(r => r.Step == "resize").OutputJson!)));
        var items = engine.Store.GetItemRecords(run.RunId, "resize");
        Assert.Equal(Enumerable.Range(0, count), items.Select(i => i.Item));
        Assert.All(items, i => Assert.Equal(StepState.Succeeded, i.State));
    }

    [Fact]
    public async Task Foreach_can_fan_out_over_the_run_argument()
    {
        var executor = new ScriptedExecutor()
            .On("double", (invocation, _) => Task.FromResult(((int)JsonNode.Parse(invocation.InputJson)!["item"]! * 2).ToString()));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: fan
            version: 1.0.0
            steps:
              - name: double
                foreach: input.numbers
                run: s.ps1
            """, """{"numbers":[1,2,3]}""");

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("[2,4,6]"), await engine.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Foreach_over_a_value_that_is_not_an_array_fails_the_step_and_the_run()
    {
        var executor = new ScriptedExecutor().Returns("split", """{"images":"a.png"}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Workflow);

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StepState.Failed, run.StateOf("resize"));
        Assert.Equal(StepState.Cancelled, run.StateOf("report"));
        Assert.Contains("resize", run.Error);
        Assert.Empty(executor.Of("resize"));
    }

    [Fact]
    public async Task Foreach_item_that_fails_fails_the_step()
    {
        var executor = new ScriptedExecutor()
            .Returns("split", """{"images":["a","bad","c"]}""")
            .On("resize", (invocation, _) =>
                (string)JsonNode.Parse(invocation.InputJson)!["item"]! == "bad"
                    ? throw new Workflow.Executors.StepFailedException(WorkflowErrors.StepScriptFailed, "cannot resize bad")
                    : Task.FromResult("1"));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Workflow);

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StepState.Failed, run.StateOf("resize"));
        Assert.Contains("cannot resize bad", run.Step("resize").Error);
        Assert.Equal(StepState.Cancelled, run.StateOf("report"));
        Assert.Contains("resize", run.Error);
    }
}
