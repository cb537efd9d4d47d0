using System;
using System.Linq;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>Every state change of a run and its steps is appended to the history, in order (DESIGN §4).</summary>
public sealed class RunHistoryTests : IDisposable
{
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task History_records_run_and_step_states_in_order()
    {
        var engine = home.Open(new ScriptedExecutor());

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: first
                run: s.ps1
              - name: second
                needs: first
                run: s.ps1
            """);

        var history = engine.GetHistory(run.RunId);
        Assert.All(history, h => Assert.Equal(run.RunId, h.RunId));
        Assert.Equal(new[] { "Queued", "Running", "Succeeded" }, history.Where(h => h.Step == null).Select(h => h.State));
        foreach (var step in new[] { "first", "second" })
        {
            Assert.Equal(new[] { "Pending", "Running", "AttemptStarted", "Succeeded" },
                history.Where(h => h.Step == step).Select(h => h.State));
        }
        var order = history.Select(h => (h.Step, h.State)).ToList();
        Assert.True(order.IndexOf(("first", "Succeeded")) < order.IndexOf(("second", "Running")));
        Assert.True(order.IndexOf((null, "Running")) < order.IndexOf(("first", "Running")));
        Assert.True(order.IndexOf(("second", "Succeeded")) < order.IndexOf((null, "Succeeded")));
        Assert.Equal(history.Select(h => h.Time).OrderBy(t => t), history.Select(h => h.Time));
    }

    [Fact]
    public async Task History_records_skipped_failed_and_cancelled_steps_and_the_failed_run()
    {
        var engine = home.Open(new ScriptedExecutor().Fails("boom"));

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: skipped
                if: "false"
                run: s.ps1
              - name: chained
                needs: skipped
                run: s.ps1
              - name: boom
                run: s.ps1
              - name: after
                needs: boom
                run: s.ps1
            """);

        var history = engine.GetHistory(run.RunId);
        Assert.Equal(new[] { "Queued", "Running", "Failed" }, history.Where(h => h.Step == null).Select(h => h.State));
        Assert.Equal(new[] { "Pending", "Skipped" }, history.Where(h => h.Step == "skipped").Select(h => h.State));
        Assert.Equal(new[] { "Pending", "Skipped" }, history.Where(h => h.Step == "chained").Select(h => h.State));
        Assert.Equal(new[] { "Pending", "Running", "AttemptStarted", "Failed" }, history.Where(h => h.Step == "boom").Select(h => h.State));
        Assert.Equal(new[] { "Pending", "Cancelled" }, history.Where(h => h.Step == "after").Select(h => h.State));
    }

    [Fact]
    public async Task Run_records_start_and_end_times_and_releases_its_owner()
    {
        var engine = home.Open(new ScriptedExecutor());

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: only
                run: s.ps1
            """);

        Assert.NotNull(run.StartedAt);
        Assert.NotNull(run.EndedAt);
        Assert.True(run.EndedAt >= run.StartedAt);
        Assert.Null(run.Owner);
        Assert.Null(run.Error);
        Assert.NotNull(run.Step("only").StartedAt);
        Assert.NotNull(run.Step("only").EndedAt);
    }
}
