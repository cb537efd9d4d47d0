using System;
using System.Linq;
using System.Threading.Tasks;
using Workflow.Model;
using Workflow.Tests.Engine;

namespace Workflow.Tests.Placement;

/// <summary>The workflow collector learns each step's runtimes, output sizes, run probability and fan-out from the run history.</summary>
public sealed class WorkflowCollectorTests
{
    private const string Workflow = """
        name: learn
        version: 1.0.0
        home_region: aws:us-east-1
        defaults:
          memory_mb: 1024
        steps:
          - name: split
            run: s.ps1
          - name: resize
            needs: split
            foreach: steps.split.output.images
            memory_mb: 2048
            run: s.ps1
          - name: notify
            needs: split
            if: input.notify
            run: s.ps1
        """;

    [Fact]
    public async Task Profiles_come_from_finished_runs_with_a_conditional_step_and_a_foreach()
    {
        using var home = new PlacementHome();
        var executor = new ScriptedExecutor()
            .On("split", async (invocation, _) =>
            {
                await Task.Delay(50);
                var count = (int)System.Text.Json.Nodes.JsonNode.Parse(invocation.InputJson)!["input"]!["count"]!;
                return "{\"images\":[" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"{i}.png\"")) + "]}";
            })
            .Returns("resize", "{\"ok\":true}")
            .Returns("notify", "{\"sent\":true}");
        var engine = home.Home.Open(executor);
        var service = new Workflow.Placement.PlacementService(engine.Store, engine.Catalog, new Workflow.Placement.PlacementOptions { Clock = () => PlacementHome.Today });
        var id = await home.Home.PublishAsync(engine, Workflow);
        foreach (var argument in new[] { """{"count":2,"notify":true}""", """{"count":3,"notify":false}""", """{"count":1,"notify":false}""", """{"count":4,"notify":true}""" })
        {
            var run = await EngineHome.WaitAsync(engine, engine.StartRun(id, argument).RunId);
            Assert.Equal(RunState.Succeeded, run.State);
        }

        var result = await service.CollectAsync(DataCollector.Workflow, id, null, null, null, default);

        var split = result.Steps.Single(s => s.Step == "split");
        var resize = result.Steps.Single(s => s.Step == "resize");
        var notify = result.Steps.Single(s => s.Step == "notify");
        Assert.All(result.Steps, s => Assert.Equal(4, s.Runs));
        Assert.Equal(4, split.RuntimeSeconds["local"].Count);
        Assert.All(split.RuntimeSeconds["local"], seconds => Assert.InRange(seconds, 0.04, 10));
        Assert.Equal(1, split.RunProbability);
        Assert.Empty(split.FanOutWidths);
        Assert.Equal(1024, split.MemoryMb);
        Assert.Equal(new double[] { 28, 36, 20, 44 }.OrderBy(b => b), split.OutputBytes.OrderBy(b => b)); // {"images":["0.png",...]}
        Assert.Equal(new[] { 1, 2, 3, 4 }, resize.FanOutWidths.OrderBy(w => w));
        Assert.Equal(10, resize.RuntimeSeconds["local"].Count); // one sample per item
        Assert.Equal(2048, resize.MemoryMb);
        Assert.Equal(0.5, notify.RunProbability);
        Assert.Equal(2, notify.RuntimeSeconds["local"].Count);
        Assert.Contains("4 finished runs", notify.Source);
    }

    [Fact]
    public async Task Collecting_again_replaces_the_figures_instead_of_adding_to_them()
    {
        using var home = new PlacementHome();
        var executor = new ScriptedExecutor().Returns("split", """{"images":["a"]}""");
        var engine = home.Home.Open(executor);
        var service = new Workflow.Placement.PlacementService(engine.Store, engine.Catalog);
        var id = await home.Home.PublishAsync(engine, Workflow);
        await EngineHome.WaitAsync(engine, engine.StartRun(id, """{"notify":true}""").RunId);

        await service.CollectAsync(DataCollector.Workflow, id, null, null, null, default);
        await service.CollectAsync(DataCollector.Workflow, id, null, null, null, default);
        await service.CollectAsync(DataCollector.Carbon, null, new[] { "aws:us-east-1" }, null, null, default);
        await service.CollectAsync(DataCollector.Carbon, null, new[] { "aws:us-east-1" }, null, null, default);

        Assert.Equal(3, engine.Store.GetCollected(DataCollector.Workflow).Count);
        Assert.Equal(24, engine.Store.GetCollected(DataCollector.Carbon).Count);
    }

    [Fact]
    public async Task A_workflow_without_finished_runs_is_PlacementNoRunHistory()
    {
        using var home = new PlacementHome();
        var id = await home.Home.PublishAsync(home.Engine, Workflow);

        var e = await Assert.ThrowsAsync<WorkflowException>(() => home.CollectAsync(DataCollector.Workflow, workflowId: id));
        var none = await Assert.ThrowsAsync<WorkflowException>(() => home.CollectAsync(DataCollector.Workflow));

        Assert.Equal(WorkflowErrors.PlacementNoRunHistory, e.Error);
        Assert.Contains($"Invoke-DataCollector workflow -WorkflowId {id}", e.Message);
        Assert.Equal(WorkflowErrors.PlacementWorkflowIdRequired, none.Error);
    }

    [Fact]
    public async Task All_collects_provider_carbon_and_performance_and_stores_them()
    {
        using var home = new PlacementHome();

        var result = await home.CollectAsync(DataCollector.All, new[] { "us-east-1", "ca-central-1" });

        Assert.Equal(2, result.Facts.Count);
        Assert.Equal(48, result.Carbon.Count);
        Assert.Equal(4, result.Latencies.Count);
        Assert.Empty(result.Steps);
        var facts = result.Facts.Single(f => f.Region == "aws:us-east-1");
        Assert.Equal(1.15, facts.Pue);
        Assert.Equal(1.66667e-5, facts.ComputePricePerGbSecond);
        Assert.Equal(2e-7, facts.RequestPrice);
        Assert.Equal(0.02, facts.TransferPricePerGb);
        Assert.Equal("AWS list price, us-east-1, 2024 (bundled)", facts.PriceSource);
        Assert.Equal(PlacementHome.Today, facts.CollectedAt);
        Assert.Equal(2, home.Engine.Store.GetCollected(DataCollector.Provider).Count);
    }

    [Fact]
    public async Task A_region_without_published_PUE_takes_Caribous_1_11_and_says_so()
    {
        using var home = new PlacementHome();

        var result = await home.CollectAsync(DataCollector.Provider, new[] { "aws:eu-west-2" });

        var london = Assert.Single(result.Facts);
        Assert.Equal(1.11, london.Pue);
        Assert.Equal("assumed: Caribou's 1.11", london.PueSource);
        Assert.Equal("GB", london.Zone);
    }

    [Fact]
    public async Task Provider_without_regions_lists_every_bundled_region()
    {
        using var home = new PlacementHome();

        var result = await home.CollectAsync(DataCollector.Provider);

        Assert.Equal(33, result.Facts.Count);
        Assert.Contains(result.Facts, f => f.Region == "aws:sa-east-1" && f.Latitude < -23 && f.Longitude < -46);
        Assert.Throws<ArgumentNullException>(() => new Workflow.Placement.PlacementService(null!, home.Engine.Catalog));
    }
}
