using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Tests.Placement;

/// <summary>The problem builder: candidates, pins, data per region and step, and every gap either an error naming the fix or a labelled assumption.</summary>
public sealed class PlacementProblemBuilderTests
{
    private static readonly string[] Three = { "aws:us-east-1", "aws:us-west-2", "aws:ca-central-1" };

    private static WorkflowDefinition Definition(string home = "aws:us-east-1", string[]? allowed = null, string[]? disallowed = null, string[]? pins = null) => new()
    {
        Name = "flow",
        Version = "1.0.0",
        HomeRegion = home,
        Regions = new RegionSpec { Allowed = allowed ?? Three, Disallowed = disallowed ?? Array.Empty<string>() },
        Steps = new[]
        {
            new StepDefinition { Name = "split", Run = "s.ps1" },
            new StepDefinition { Name = "resize", Needs = new[] { "split" }, Run = "s.ps1", Regions = pins ?? Array.Empty<string>() },
        },
    };

    private static StepProfile Profile(string step, params (string Region, double Seconds)[] samples) => new()
    {
        WorkflowId = "flow-1.0.0",
        Step = step,
        RuntimeSeconds = samples.GroupBy(s => s.Region).ToDictionary(g => g.Key, g => (IReadOnlyList<double>)g.Select(s => s.Seconds).ToList()),
        Source = "run history of flow-1.0.0",
    };

    /// <summary>Facts, carbon and latencies of the regions as the collectors gather them offline.</summary>
    private static async Task<CollectionResult> CollectedAsync(params string[] regions)
    {
        using var home = new PlacementHome();
        return await home.CollectAsync(DataCollector.All, regions);
    }

    [Fact]
    public async Task The_problem_has_home_first_every_region_s_data_and_labelled_assumptions()
    {
        var data = await CollectedAsync(Three);
        var steps = new[] { Profile("split", ("local", 2.0), ("local", 3.0)), Profile("resize", ("local", 1.0), ("aws:us-west-2", 1.5)) };

        var problem = PlacementProblemBuilder.Build(Definition(allowed: new[] { "aws:ca-central-1", "us-west-2", "aws:us-east-1" }), data.Facts, data.Carbon, data.Latencies, steps);

        Assert.Equal("aws:us-east-1", problem.Home);
        Assert.Equal(new[] { "aws:us-east-1", "aws:ca-central-1", "aws:us-west-2" }, problem.Regions);
        Assert.Equal(problem.Regions, problem.StepRegions["split"]);
        Assert.All(problem.Regions, r => Assert.Equal(24, problem.Carbon[r].Count));
        Assert.All(problem.Carbon["aws:ca-central-1"], g => Assert.Equal(30.51, g));
        Assert.Equal(9, problem.Latencies.Count);
        Assert.Equal(new[] { 2.0, 3.0 }, problem.Steps["split"].RuntimeSeconds["aws:us-east-1"]);
        Assert.Equal(new[] { 2.0, 3.0 }, problem.Steps["split"].RuntimeSeconds["aws:ca-central-1"]);
        Assert.Equal(new[] { 1.5 }, problem.Steps["resize"].RuntimeSeconds["aws:us-west-2"]);
        Assert.False(problem.Steps["split"].RuntimeSeconds.ContainsKey("local"));
        Assert.Contains("assumed: runtimes measured on this machine stand for aws:us-east-1's (home)", problem.Assumptions);
        Assert.Contains("assumed: split runs as long in aws:ca-central-1, aws:us-west-2 as at home (Caribou's assumption)", problem.Assumptions);
        Assert.Contains("assumed: resize runs as long in aws:ca-central-1 as at home (Caribou's assumption)", problem.Assumptions);
        Assert.Contains("assumed: carbon intensity in aws:ca-central-1 is its annual value at every hour (no hourly data)", problem.Assumptions);
        Assert.Contains(problem.Sources, s => s.StartsWith("aws:us-east-1 carbon: Electricity Maps hourly 2024", StringComparison.Ordinal));
        Assert.Contains(problem.Sources, s => s.StartsWith("latency: modelled:", StringComparison.Ordinal));
        Assert.Contains(problem.Sources, s => s == "steps: run history of flow-1.0.0");
        Assert.DoesNotContain(problem.Sources, s => s.Contains(":00 UTC", StringComparison.Ordinal)); // one line per source, not per hour
    }

    [Fact]
    public async Task Without_allowed_regions_every_region_of_the_home_provider_with_data_is_a_candidate_less_the_disallowed()
    {
        var data = await CollectedAsync("aws:us-east-1", "aws:us-west-2", "aws:eu-west-1");
        var steps = new[] { Profile("split", ("local", 1.0)), Profile("resize", ("local", 1.0)) };

        var problem = PlacementProblemBuilder.Build(Definition(allowed: Array.Empty<string>(), disallowed: new[] { "aws:eu-west-1" }), data.Facts, data.Carbon, data.Latencies, steps);

        Assert.Equal(new[] { "aws:us-east-1", "aws:us-west-2" }, problem.Regions);
    }

    [Fact]
    public async Task Pins_narrow_a_step_and_a_pin_outside_the_regions_is_PlacementPinOutsideRegions()
    {
        var data = await CollectedAsync(Three);
        var steps = new[] { Profile("split", ("local", 1.0)), Profile("resize", ("local", 1.0)) };

        var pinned = PlacementProblemBuilder.Build(Definition(pins: new[] { "aws:us-west-2" }), data.Facts, data.Carbon, data.Latencies, steps);
        var e = Assert.Throws<WorkflowException>(() => PlacementProblemBuilder.Build(Definition(pins: new[] { "aws:eu-west-1" }), data.Facts, data.Carbon, data.Latencies, steps));

        Assert.Equal(new[] { "aws:us-west-2" }, pinned.StepRegions["resize"]);
        Assert.Equal(WorkflowErrors.PlacementPinOutsideRegions, e.Error);
        Assert.Contains("'resize'", e.Message);
        Assert.Contains("aws:eu-west-1", e.Message);
    }

    [Fact]
    public void A_local_home_is_PlacementNeedsCloudHome()
    {
        var e = Assert.Throws<WorkflowException>(() => PlacementProblemBuilder.Build(Definition(home: "local"), Array.Empty<RegionFacts>(), Array.Empty<CarbonIntensity>(), Array.Empty<RegionLatency>(), Array.Empty<StepProfile>()));

        Assert.Equal(WorkflowErrors.PlacementNeedsCloudHome, e.Error);
        Assert.Contains("home_region: aws:us-east-1", e.Message);
    }

    [Fact]
    public async Task Missing_carbon_latency_or_step_data_is_PlacementDataMissing_naming_the_collector_to_run()
    {
        var data = await CollectedAsync(Three);
        var steps = new[] { Profile("split", ("local", 1.0)), Profile("resize", ("local", 1.0)) };
        var definition = Definition();

        var carbon = Assert.Throws<WorkflowException>(() => PlacementProblemBuilder.Build(definition, data.Facts, data.Carbon.Where(c => c.Region != "aws:us-west-2" || c.Hour != 7).ToList(), data.Latencies, steps));
        var latency = Assert.Throws<WorkflowException>(() => PlacementProblemBuilder.Build(definition, data.Facts, data.Carbon, data.Latencies.Skip(1).ToList(), steps));
        var step = Assert.Throws<WorkflowException>(() => PlacementProblemBuilder.Build(definition, data.Facts, data.Carbon, data.Latencies, steps.Take(1).ToList()));
        var facts = Assert.Throws<WorkflowException>(() => PlacementProblemBuilder.Build(definition, data.Facts.Skip(1).ToList(), data.Carbon, data.Latencies, steps));

        Assert.All(new[] { carbon, latency, step, facts }, e => Assert.Equal(WorkflowErrors.PlacementDataMissing, e.Error));
        Assert.Contains("Region 'aws:us-west-2' has no collected carbon intensity for hours 7", carbon.Message);
        Assert.Contains("Invoke-DataCollector carbon -Region aws:us-west-2", carbon.Message);
        Assert.Contains("Invoke-DataCollector performance -Region aws:us-east-1,aws:us-west-2,aws:ca-central-1", latency.Message);
        Assert.Contains("Step 'resize'", step.Message);
        Assert.Contains("Invoke-DataCollector workflow -WorkflowId flow-1.0.0", step.Message);
        Assert.Contains("Invoke-DataCollector provider -Region aws:us-east-1", facts.Message);
    }

    [Fact]
    public async Task BuildProblem_reads_what_was_collected_into_the_store()
    {
        using var home = new PlacementHome();
        var yaml = "name: stored\nversion: 1.0.0\nhome_region: aws:us-east-1\nregions:\n  allowed: [aws:us-east-1, aws:ca-central-1]\nsteps:\n  - name: only\n    run: s.ps1\n";
        var engine = home.Home.Open(new Workflow.Tests.Engine.ScriptedExecutor());
        var service = new PlacementService(engine.Store, engine.Catalog, new PlacementOptions { Clock = () => PlacementHome.Today });
        var id = await home.Home.PublishAsync(engine, yaml);
        await Workflow.Tests.Engine.EngineHome.WaitAsync(engine, engine.StartRun(id).RunId);

        var missing = Assert.Throws<WorkflowException>(() => service.BuildProblem(id));
        await service.CollectAsync(DataCollector.All, id, new[] { "aws:us-east-1", "aws:ca-central-1" }, null, null, default);
        var problem = service.BuildProblem(id);

        Assert.Equal(WorkflowErrors.PlacementDataMissing, missing.Error);
        Assert.Equal(new[] { "aws:us-east-1", "aws:ca-central-1" }, problem.Regions);
        Assert.Single(problem.Steps["only"].RuntimeSeconds["aws:us-east-1"]);
        Assert.Equal(4, problem.Latencies.Count);
    }
}
