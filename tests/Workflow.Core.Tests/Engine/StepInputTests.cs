using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Queue;

namespace Workflow.Tests.Engine;

/// <summary>The input document every step gets: { input, steps, item, context } (DESIGN §3, step contract).</summary>
public sealed class StepInputTests : IDisposable
{
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Step_without_needs_runs_with_the_run_argument_and_its_context()
    {
        var executor = new ScriptedExecutor().Returns("hello", """{"greeting":"hi"}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: hello
                run: hello.ps1
            """, """{"size":3,"names":["a","b"]}""");

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(StepState.Succeeded, run.StateOf("hello"));
        var attempt = Assert.Single(executor.Attempts);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"size":3,"names":["a","b"]}"""), attempt.Input["input"]));
        Assert.Empty(attempt.Input["steps"]!.AsObject());
        Assert.False(attempt.Input.ContainsKey("item"));
        Assert.Equal(run.RunId, (string?)attempt.Context["runId"]);
        Assert.Equal("flow-1.0.0", (string?)attempt.Context["workflowId"]);
        Assert.Equal("hello", (string?)attempt.Context["step"]);
        Assert.Equal(1, attempt.Attempt);
        Assert.Equal("local", (string?)attempt.Context["region"]);
        Assert.False(string.IsNullOrEmpty((string?)attempt.Context["artifacts"]));
    }

    [Fact]
    public async Task Step_input_holds_the_output_of_each_need_and_nothing_else()
    {
        var executor = new ScriptedExecutor()
            .Returns("fetch", """{"images":["a.png"]}""")
            .Returns("count", "42")
            .Returns("unrelated", """{"secret":"not for report"}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: fetch
                run: s.ps1
              - name: count
                run: s.ps1
              - name: unrelated
                run: s.ps1
              - name: report
                needs: [fetch, count]
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        var report = Assert.Single(executor.Of("report"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"fetch":{"images":["a.png"]},"count":42}"""), report.Input["steps"]));
        Assert.Null(report.Input["input"]);
        Assert.Equal("report", (string?)report.Context["step"]);
    }

    [Fact]
    public async Task Run_argument_reaches_every_step_of_a_chain()
    {
        var executor = new ScriptedExecutor();
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: a
                run: s.ps1
              - name: b
                needs: a
                run: s.ps1
              - name: c
                needs: b
                run: s.ps1
            """, """{"tenant":"contoso"}""");

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(new[] { "a", "b", "c" }, executor.Attempts.Select(a => a.Step));
        Assert.All(executor.Attempts, a => Assert.Equal("contoso", (string?)a.Input["input"]!["tenant"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"b":{"step":"b"}}"""), executor.Of("c").Single().Input["steps"]));
    }

    [Fact]
    public void Shared_input_is_one_complete_JSON_object()
    {
        var shared = SharedInput.Of(JsonNode.Parse("""{"tenant":"contoso"}"""),
            new[] { new KeyValuePair<string, JsonNode?>("fetch", JsonNode.Parse("""{"images":["a.png"]}""")), new("skipped", null) });

        using var document = JsonDocument.Parse(shared.Json);
        Assert.Equal("""{"input":{"tenant":"contoso"},"steps":{"fetch":{"images":["a.png"]},"skipped":null}}""", shared.Json);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("""{"x":1}""")]
    public void Attempt_document_adds_item_and_context_to_the_shared_input_as_before(string? itemJson)
    {
        var shared = SharedInput.Of(JsonNode.Parse("[1]"), new[] { new KeyValuePair<string, JsonNode?>("a", JsonNode.Parse("2")) });
        var context = new StepContext("r1", "flow-1.0.0", "b", itemJson == null ? null : 0, 2, "local", "/artifacts");

        var document = new StepInput(shared, itemJson, context).ToJson();

        // The text the document had when the shared part was kept without its closing brace.
        var before = """{"input":[1],"steps":{"a":2}""" + (itemJson != null ? ",\"item\":" + itemJson : "") + ",\"context\":" + context.ToJson() + "}";
        Assert.Equal(before, document);
        using var parsed = JsonDocument.Parse(document);
        Assert.Equal(itemJson != null, parsed.RootElement.TryGetProperty("item", out _));
        Assert.Equal(2, parsed.RootElement.GetProperty("context").GetProperty("attempt").GetInt32());
    }

    [Fact]
    public void Shared_input_travels_as_a_JSON_string_of_its_complete_text()
    {
        var task = new StepTask("r1", "flow-1.0.0", "b", 0, 1, SharedInput.Of(null, Array.Empty<KeyValuePair<string, JsonNode?>>()), "1");
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

        var wire = JsonSerializer.Serialize(task, options);
        var back = JsonSerializer.Deserialize<StepTask>(wire, options)!;

        using var message = JsonDocument.Parse(wire);
        Assert.Equal("""{"input":null,"steps":{}}""", message.RootElement.GetProperty("sharedInput").GetString());
        Assert.Equal(task.SharedInput.Json, back.SharedInput.Json);
    }
}
