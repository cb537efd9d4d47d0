using System;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>When a step runs, is skipped, or waits (DESIGN §3, first rule), end to end.</summary>
public sealed class StepReadinessTests : IDisposable
{
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Theory]
    [InlineData("""{"go":false}""", StepState.Skipped)]
    [InlineData("""{"go":true}""", StepState.Succeeded)]
    [InlineData("null", StepState.Skipped)]
    public async Task Step_whose_if_is_false_is_skipped_without_running(string argument, StepState expected)
    {
        var executor = new ScriptedExecutor();
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: maybe
                if: input.go == true
                run: s.ps1
            """, argument);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(expected, run.StateOf("maybe"));
        Assert.Equal(expected == StepState.Succeeded ? 1 : 0, executor.Of("maybe").Count);
    }

    [Theory]
    [InlineData(3, StepState.Skipped)]
    [InlineData(11, StepState.Succeeded)]
    public async Task Step_if_reads_the_output_of_a_need(int count, StepState expected)
    {
        var executor = new ScriptedExecutor().Returns("split", $$"""{"count":{{count}}}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: split
                run: s.ps1
              - name: notify
                needs: [split]
                if: steps.split.output.count > 10
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(expected, run.StateOf("notify"));
    }

    [Fact]
    public async Task Step_with_every_need_skipped_is_skipped()
    {
        var executor = new ScriptedExecutor();
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: left
                if: "false"
                run: s.ps1
              - name: right
                if: input == 'never'
                run: s.ps1
              - name: join
                needs: [left, right]
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(StepState.Skipped, run.StateOf("left"));
        Assert.Equal(StepState.Skipped, run.StateOf("right"));
        Assert.Equal(StepState.Skipped, run.StateOf("join"));
        Assert.Empty(executor.Attempts);
    }

    [Fact]
    public async Task Step_with_a_skipped_need_and_a_succeeded_need_runs()
    {
        var executor = new ScriptedExecutor().Returns("done", """{"ok":true}""");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: skipped
                if: "false"
                run: s.ps1
              - name: done
                run: s.ps1
              - name: join
                needs: [skipped, done]
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(StepState.Skipped, run.StateOf("skipped"));
        Assert.Equal(StepState.Succeeded, run.StateOf("join"));
        var join = Assert.Single(executor.Of("join"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"ok":true}"""), join.Input["steps"]!["done"]));
        Assert.Null(join.Input["steps"]!["skipped"]);
    }

    [Fact]
    public async Task Skip_propagates_down_a_chain()
    {
        var executor = new ScriptedExecutor();
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: first
                run: s.ps1
              - name: gate
                needs: first
                if: steps.first.output.step == 'other'
                run: s.ps1
              - name: second
                needs: gate
                run: s.ps1
              - name: third
                needs: second
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(StepState.Succeeded, run.StateOf("first"));
        Assert.Equal(new[] { StepState.Skipped, StepState.Skipped, StepState.Skipped },
            new[] { run.StateOf("gate"), run.StateOf("second"), run.StateOf("third") });
        Assert.Equal(new[] { "first" }, executor.Attempts.Select(a => a.Step));
    }

    [Fact]
    public async Task Fan_in_waits_for_every_need_and_runs_once()
    {
        var executor = new ScriptedExecutor()
            .On("fast", async (_, ct) => { await Task.Delay(10, ct); return "1"; })
            .On("slow", async (_, ct) => { await Task.Delay(300, ct); return "2"; });
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: start
                run: s.ps1
              - name: fast
                needs: start
                run: s.ps1
              - name: slow
                needs: start
                run: s.ps1
              - name: join
                needs: [fast, slow]
                run: s.ps1
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        var join = Assert.Single(executor.Of("join"));
        Assert.True(join.StartSequence > executor.Of("fast").Single().EndSequence);
        Assert.True(join.StartSequence > executor.Of("slow").Single().EndSequence);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"fast":1,"slow":2}"""), join.Input["steps"]));
    }

    [Fact]
    public async Task Wide_fan_in_runs_once_after_all_of_its_needs()
    {
        const int width = 24;
        var random = new Random(7);
        var delays = Enumerable.Range(0, width).Select(_ => random.Next(0, 30)).ToArray();
        var executor = new ScriptedExecutor();
        var yaml = new StringBuilder("name: wide\nversion: 1.0.0\nsteps:\n");
        for (var i = 0; i < width; i++)
        {
            var index = i;
            executor.On($"p{i}", async (_, ct) => { await Task.Delay(delays[index], ct); return index.ToString(); });
            yaml.Append($"  - name: p{i}\n    run: s.ps1\n");
        }
        yaml.Append("  - name: join\n    needs: [" + string.Join(", ", Enumerable.Range(0, width).Select(i => $"p{i}")) + "]\n    run: s.ps1\n");
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, yaml.ToString());

        Assert.Equal(RunState.Succeeded, run.State);
        var join = Assert.Single(executor.Of("join"));
        Assert.All(executor.Attempts.Where(a => a.Step != "join"), a => Assert.True(join.StartSequence > a.EndSequence));
        var steps = join.Input["steps"]!.AsObject();
        Assert.Equal(width, steps.Count);
        Assert.All(Enumerable.Range(0, width), i => Assert.Equal(i, (int)steps[$"p{i}"]!));
    }
}
