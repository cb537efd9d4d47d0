using System;
using System.Collections.Generic;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Tests.Placement;

/// <summary>A plan's figures: the critical path, conditional steps, foreach widths and the draws behind them.</summary>
public sealed class PlanEvaluatorTests
{
    private const string X = "aws:home";
    private const string Y = "aws:y";
    private const double Gb = 1024.0 * 1024 * 1024;

    private static double Carbon(double seconds, double gramsPerKwh) => PlacementModel.ExecutionCarbonGrams(seconds, 1769, 1.11, gramsPerKwh);

    private static double Cost(double seconds) =>
        PlacementModel.ExecutionCostUsd(seconds, 1769, PlacementModel.DefaultComputePricePerGbSecond, PlacementModel.DefaultRequestPrice);

    [Fact]
    public void Critical_path_of_a_diamond_waits_for_the_last_output_to_arrive()
    {
        // a → b, c → d; a and c at home, b and d away. Every sample list has one value: the figures are exact.
        var problem = new TestProblem(X).Region(X, 100).Region(Y, 300)
            .Latency((from, to) => from == to ? (0.01, 0.01) : (0.1, 0.1), bytesPerSecond: 1e6)
            .Step("a", new[] { 1.0 }, outputBytes: 1e6)
            .Step("b", new[] { 2.0 }, new[] { "a" })
            .Step("c", new[] { 5.0 }, new[] { "a" }, outputBytes: 2e6)
            .Step("d", new[] { 1.0 }, new[] { "b", "c" })
            .Build();

        var figures = new PlanEvaluator(problem).Evaluate(new[] { 0, 1, 0, 1 }, hour: 0);

        // The run reaches a at home after 0.01; a ends at 1.01. b starts at 1.01 + 0.1 + 1e6/1e6 = 2.11, ends 4.11.
        // c starts at 1.01 + 0.01 + 1 = 2.02, ends 7.02. d waits for c's output: 7.02 + 0.1 + 2e6/1e6 = 9.12
        // (b's arrives at 4.12); d ends at 10.12, and its end reaches home 0.1 later.
        Assert.Equal(10.22, figures.Runtime.Mean, 9);
        Assert.Equal(10.22, figures.Runtime.P95, 9);
        var carbon = Carbon(1, 100) + Carbon(2, 300) + Carbon(5, 100) + Carbon(1, 300)
            + PlacementModel.TransmissionCarbonGrams(1e6 / Gb, 100, 300) + PlacementModel.TransmissionCarbonGrams(1e6 / Gb, 100, 100)
            + PlacementModel.TransmissionCarbonGrams(2e6 / Gb, 100, 300);
        Assert.Equal(carbon, figures.Carbon.Mean, 12);
        Assert.Equal(carbon, figures.Carbon.P95, 12);
        // Only a → b and c → d leave a region.
        var cost = Cost(1) + Cost(2) + Cost(5) + Cost(1) + 1e6 / Gb * 0.02 + 2e6 / Gb * 0.02;
        Assert.Equal(cost, figures.Cost.Mean, 15);
    }

    [Fact]
    public void A_conditional_step_that_runs_half_the_time_counts_half_and_its_dependent_with_it()
    {
        var problem = new TestProblem(X).Region(X, 100)
            .Step("a", new[] { 1.0 })
            .Step("b", new[] { 10.0 }, new[] { "a" }, runProbability: 0.5)
            .Step("c", new[] { 1.0 }, new[] { "b" })
            .Build();

        var figures = new PlanEvaluator(problem).Evaluate(new[] { 0, 0, 0 }, hour: 0);

        // Half the runs: a alone (1 s, plus the 1 ms hops from and back to home). The other half: a, b, c
        // (1 + 10 + 1 s, plus four in-region hops of 1 ms).
        var shortRun = 1.002;
        var longRun = 12.004;
        Assert.InRange(figures.Runtime.Mean, shortRun + 0.45 * (longRun - shortRun), shortRun + 0.55 * (longRun - shortRun));
        Assert.Equal(longRun, figures.Runtime.P95, 9);
        var skippedShare = (figures.Carbon.Mean - Carbon(1, 100)) / (Carbon(11, 100));
        Assert.InRange(skippedShare, 0.45, 0.55);
    }

    [Fact]
    public void A_foreach_step_lasts_as_its_slowest_item_and_pays_for_every_item()
    {
        var problem = new TestProblem(X).Region(X, 200)
            .Step("fan", new[] { 2.0 }, widths: new[] { 4 })
            .Build();

        var figures = new PlanEvaluator(problem).Evaluate(new[] { 0 }, hour: 0);

        Assert.Equal(2.002, figures.Runtime.Mean, 12); // with the 1 ms hops from and back to home
        Assert.Equal(4 * Carbon(2, 200), figures.Carbon.Mean, 12);
        Assert.Equal(4 * Cost(2), figures.Cost.Mean, 15);
    }

    [Fact]
    public void Every_sample_is_drawn_the_last_one_included()
    {
        // Caribou never draws the last element of a sample list: its mean here would be 1.5 and its p95 2.
        var problem = new TestProblem(X).Region(X, 100).Step("a", new[] { 1.0, 2.0, 3.0 }).Build();

        var figures = new PlanEvaluator(problem).Evaluate(new[] { 0 }, hour: 0);

        Assert.InRange(figures.Runtime.Mean, 1.95, 2.05);
        Assert.Equal(3.002, figures.Runtime.P95, 12); // the slowest sample, plus the 1 ms hops from and back to home
    }

    [Fact]
    public void The_same_seed_gives_the_same_figures_and_plans_share_their_draws()
    {
        var problem = new TestProblem(X).Region(X, 100).Region(Y, 100)
            .Latency((from, to) => from == to ? (0.001, 0.002) : (0.05, 0.2))
            .Step("a", new[] { 1.0, 1.5, 4.0 }, outputBytes: 1e5)
            .Step("b", new[] { 0.5, 2.5 }, new[] { "a" })
            .Build();

        var first = new PlanEvaluator(problem, seed: 7).Evaluate(new[] { 0, 1 }, 0);
        var again = new PlanEvaluator(problem, seed: 7).Evaluate(new[] { 0, 1 }, 0);
        Assert.Equal(first, again);

        // Runtimes are the same everywhere and both regions' grids are equal: the two plans differ only in where b runs,
        // so on common draws b's carbon is the same and only the hop's latency separates their runtimes.
        var evaluator = new PlanEvaluator(problem, seed: 7);
        var home = evaluator.Evaluate(new[] { 0, 0 }, 0);
        var away = evaluator.Evaluate(new[] { 0, 1 }, 0);
        Assert.Equal(home.Carbon.Mean, away.Carbon.Mean, 12);
        Assert.True(away.Runtime.Mean > home.Runtime.Mean);
    }

    [Fact]
    public void A_region_without_runtime_samples_takes_homes()
    {
        var problem = new TestProblem(X).Region(X, 100).Region(Y, 100)
            .Step("a", new[] { 3.0 }, runtimesByRegion: new Dictionary<string, double[]> { [Y] = Array.Empty<double>() })
            .Build();

        var evaluator = new PlanEvaluator(problem);

        // Same grid, same runtime: the same carbon; away from home the run adds the 50 ms hops there and back.
        var home = evaluator.Evaluate(new[] { 0 }, 0);
        var away = evaluator.Evaluate(new[] { 1 }, 0);
        Assert.Equal(home.Carbon, away.Carbon);
        Assert.Equal(3.002, home.Runtime.Mean, 12);
        Assert.Equal(3.1, away.Runtime.Mean, 12);
    }

    [Fact]
    public void A_step_with_no_runtime_samples_anywhere_is_PlacementNoRuntimeSamples()
    {
        var problem = new TestProblem(X).Region(X, 100).Step("a", Array.Empty<double>()).Build();

        var error = Assert.Throws<WorkflowException>(() => new PlanEvaluator(problem));

        Assert.Same(WorkflowErrors.PlacementNoRuntimeSamples, error.Error);
        Assert.Contains("'a'", error.Message);
        Assert.Contains("Invoke-DataCollector", error.Message);
    }

    [Fact]
    public void A_latency_is_drawn_lognormal_with_the_mean_and_p95_collected()
    {
        var (mu, sigma) = PlanEvaluator.LogNormal(0.05, 0.12);
        Assert.Equal(0.05, Math.Exp(mu + sigma * sigma / 2), 9);
        Assert.Equal(0.12, Math.Exp(mu + 1.6448536269514722 * sigma), 9);
        Assert.Equal((Math.Log(0.05), 0.0), PlanEvaluator.LogNormal(0.05, 0.05));
    }
}
