using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Workflow.Model;
using Workflow.Placement;
using Xunit.Abstractions;

namespace Workflow.Tests.Placement;

/// <summary>Find-WorkflowDeployment's solvers: what they choose, what they honour, how they fail.</summary>
public sealed class PlacementSolverTests
{
    private const string Home = "aws:home";
    private readonly ITestOutputHelper _output;

    public PlacementSolverTests(ITestOutputHelper output) => _output = output;

    private static IReadOnlyList<DeploymentPlan> Solve(PlacementProblem problem, PlacementAlgorithm algorithm, params int[] hours) =>
        PlacementSolver.Solve(problem, hours.Length > 0 ? hours : new[] { 0 }, algorithm, null, null, CancellationToken.None);

    [Fact]
    public void Default_is_never_worse_than_Coarse_and_matches_Exhaustive_on_small_random_problems()
    {
        var random = new Random(20240601);
        var worstGap = 0.0;
        for (var trial = 0; trial < 8; trial++)
        {
            var problem = RandomProblem(random, steps: 4 + trial % 2, regions: 3 + trial % 2, hardRuntime: trial % 2 == 0 ? 115 : null);
            var hours = new[] { 0, 8, 16 };
            var best = Solve(problem, PlacementAlgorithm.Default, hours);
            var exact = Solve(problem, PlacementAlgorithm.Exhaustive, hours);
            var coarse = Solve(problem, PlacementAlgorithm.Coarse, hours);
            for (var h = 0; h < hours.Length; h++)
            {
                var gap = (best[h].Carbon.Mean - exact[h].Carbon.Mean) / exact[h].Carbon.Mean;
                worstGap = Math.Max(worstGap, gap);
                Assert.True(gap <= PlanRanker.RelativeTolerance, $"trial {trial} hour {hours[h]}: Default {best[h].Carbon.Mean} g, Exhaustive {exact[h].Carbon.Mean} g");
                Assert.True(best[h].Carbon.Mean <= coarse[h].Carbon.Mean * (1 + PlanRanker.RelativeTolerance), $"trial {trial} hour {hours[h]}: Default {best[h].Carbon.Mean} g, Coarse {coarse[h].Carbon.Mean} g");
                if (problem.Definition.Constraints.Hard.Count > 0)
                    Assert.True(best[h].Runtime.P95 <= 1.15 * best[h].Home.Runtime.P95 * (1 + 1e-9), $"trial {trial}: Default breaks the hard runtime constraint");
            }
        }
        _output.WriteLine($"worst carbon gap of Default to Exhaustive: {worstGap:P3}");
    }

    [Fact]
    public void Pins_and_disallowed_regions_are_respected_by_every_algorithm()
    {
        var problem = new TestProblem(Home).Region(Home, 500).Region("aws:clean", 10).Region("aws:mid", 200)
            .Step("pinned", new[] { 1.0 })
            .Step("picky", new[] { 1.0 }, new[] { "pinned" })
            .Step("free", new[] { 1.0 }, new[] { "picky" })
            .Regions("pinned", Home)
            .Regions("picky", Home, "aws:mid")
            .Build();

        foreach (var algorithm in new[] { PlacementAlgorithm.Default, PlacementAlgorithm.Exhaustive, PlacementAlgorithm.Coarse })
        {
            var plan = Solve(problem, algorithm).Single();
            Assert.Equal(Home, plan.Placement["pinned"]);
            Assert.Contains(plan.Placement["picky"], problem.StepRegions["picky"]);
            if (algorithm != PlacementAlgorithm.Coarse)
            {
                Assert.Equal("aws:mid", plan.Placement["picky"]);
                Assert.Equal("aws:clean", plan.Placement["free"]);
            }
        }
    }

    [Fact]
    public void A_hard_runtime_constraint_that_forbids_the_cleanest_far_region_yields_a_nearer_one()
    {
        var problem = new TestProblem(Home).Region(Home, 500).Region("aws:near", 200).Region("aws:far", 10)
            .Latency((from, to) => from == to ? (0.001, 0.001) : from == "aws:far" || to == "aws:far" ? (1.5, 2.0) : (0.05, 0.08))
            .Step("load", new[] { 1.0 })
            .Step("work", new[] { 1.0 }, new[] { "load" })
            .Regions("load", Home)
            .Build();
        var free = Solve(problem, PlacementAlgorithm.Default).Single();
        Assert.Equal("aws:far", free.Placement["work"]);

        var limited = new TestProblem(Home).Region(Home, 500).Region("aws:near", 200).Region("aws:far", 10)
            .Latency((from, to) => from == to ? (0.001, 0.001) : from == "aws:far" || to == "aws:far" ? (1.5, 2.0) : (0.05, 0.08))
            .Step("load", new[] { 1.0 })
            .Step("work", new[] { 1.0 }, new[] { "load" })
            .Regions("load", Home)
            .Hard("runtime", "relative", 150)
            .Build();
        var plan = Solve(limited, PlacementAlgorithm.Default).Single();

        Assert.Equal("aws:near", plan.Placement["work"]);
        Assert.True(plan.Runtime.P95 <= 1.5 * plan.Home.Runtime.P95);
        Assert.Contains(plan.Binding, b => b.StartsWith("hard runtime p95 ≤ 150% of home", StringComparison.Ordinal) && b.Contains("cuts off plans with lower carbon"));
        Assert.True(plan.CarbonSavedPercent > 0);
    }

    [Fact]
    public void A_carbon_series_whose_cleanest_region_flips_at_noon_gives_different_plans_at_hour_3_and_hour_15()
    {
        var east = Enumerable.Range(0, 24).Select(h => h < 12 ? 50.0 : 600.0).ToArray();
        var west = Enumerable.Range(0, 24).Select(h => h < 12 ? 600.0 : 50.0).ToArray();
        var problem = new TestProblem(Home).Region(Home, 400).Region("aws:east", east).Region("aws:west", west)
            .Step("a", new[] { 2.0 })
            .Build();

        var plans = Solve(problem, PlacementAlgorithm.Default, 3, 15);

        Assert.Equal(new[] { 3, 15 }, plans.Select(p => p.Hour));
        Assert.Equal("aws:east", plans[0].Placement["a"]);
        Assert.Equal("aws:west", plans[1].Placement["a"]);
    }

    [Fact]
    public void Exhaustive_refuses_past_its_limit_with_its_error_id_and_names_the_fix()
    {
        var problem = NineStepsOverTwelveRegions();

        var error = Assert.Throws<WorkflowException>(() => Solve(problem, PlacementAlgorithm.Exhaustive));

        Assert.Same(WorkflowErrors.PlacementTooLargeForExhaustive, error.Error);
        Assert.Contains("5,159,780,352 plans", error.Message); // 12^9
        Assert.Contains(PlacementSolver.ExhaustiveLimit.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Contains("-Algorithm Default", error.Message);
    }

    [Fact]
    public void A_priority_tie_within_tolerance_is_decided_by_the_second_metric()
    {
        // "slow" is a hair cleaner (0.02% less carbon) but a second away: within 0.1%, so runtime decides.
        PlacementProblem Problem(double slowGrid) => new TestProblem(Home).Region(Home, 1000).Region("aws:slow", slowGrid).Region("aws:quick", 100)
            .Latency((from, to) => from == to ? (0.001, 0.001) : from == "aws:slow" || to == "aws:slow" ? (1.0, 1.0) : (0.01, 0.01))
            .Step("load", new[] { 1.0 })
            .Step("work", new[] { 10.0 }, new[] { "load" })
            .Regions("load", Home)
            .Priority("carbon", "runtime", "cost")
            .Build();

        var tie = Solve(Problem(99.9), PlacementAlgorithm.Default).Single();
        Assert.Equal("aws:quick", tie.Placement["work"]);

        // 5% cleaner is no tie: carbon decides.
        var clear = Solve(Problem(95), PlacementAlgorithm.Default).Single();
        Assert.Equal("aws:slow", clear.Placement["work"]);
    }

    [Fact]
    public void A_soft_cost_constraint_keeps_a_step_out_of_a_clean_but_dear_region_and_Binding_names_it()
    {
        var dear = Enumerable.Repeat(10.0, 24).ToArray();
        var problem = new TestProblem(Home).Region(Home, 500).Region("aws:dear", dear, computePricePerGbSecond: 3 * PlacementModel.DefaultComputePricePerGbSecond).Region("aws:mid", 300)
            .Step("a", new[] { 5.0 })
            .Soft("cost", "relative", 105)
            .Build();

        var plan = Solve(problem, PlacementAlgorithm.Default).Single();

        Assert.Equal("aws:mid", plan.Placement["a"]);
        Assert.Contains(plan.Binding, b => b.StartsWith("soft cost mean ≤ 105% of home", StringComparison.Ordinal) && b.Contains("cuts off plans with lower carbon"));
    }

    [Fact]
    public void When_no_plan_meets_the_hard_constraints_the_home_plan_is_returned_and_Binding_says_so()
    {
        var problem = new TestProblem(Home).Region(Home, 500).Region("aws:clean", 10)
            .Step("a", new[] { 1.0 })
            .Hard("runtime", "absolute", 0.5)
            .Build();

        var plan = Solve(problem, PlacementAlgorithm.Default).Single();

        Assert.Equal(Home, plan.Placement["a"]);
        Assert.StartsWith("no plan meets the hard constraints", plan.Binding.Single());
        Assert.Equal(plan.Home.Carbon, plan.Carbon);
    }

    [Fact]
    public void A_plan_says_what_it_is_for_and_what_it_rests_on()
    {
        var problem = new TestProblem(Home).Region(Home, 500).Region("aws:clean", 100)
            .Step("a", new[] { 1.0 }).Step("b", new[] { 1.0 }, new[] { "a" })
            .Build();

        var plan = Solve(problem, PlacementAlgorithm.Default, 5).Single();

        Assert.Equal("test-1.0.0", plan.WorkflowId);
        Assert.Equal(5, plan.Hour);
        Assert.Equal(Home, plan.HomeRegion);
        Assert.Equal("Default", plan.Algorithm);
        Assert.Equal(new[] { "a", "b" }, plan.Placement.Keys);
        Assert.Equal(new[] { "test data" }, plan.Sources);
        Assert.Contains("from the test: runtimes measured at home only", plan.Assumptions);
        Assert.Contains(plan.Assumptions, a => a.Contains("lognormal", StringComparison.Ordinal));
        Assert.Equal((plan.Home.Carbon.Mean - plan.Carbon.Mean) / plan.Home.Carbon.Mean * 100, plan.CarbonSavedPercent, 9);
        Assert.Equal(80, plan.CarbonSavedPercent, 0); // every step moves from 500 to 100 g/kWh
    }

    [Fact]
    public void A_spent_time_budget_stops_the_search_and_says_so()
    {
        var plans = PlacementSolver.Solve(NineStepsOverTwelveRegions(), new[] { 0, 1 }, PlacementAlgorithm.Default, TimeSpan.Zero, null, CancellationToken.None);

        Assert.All(plans, p => Assert.Contains(p.Assumptions, a => a.StartsWith("search stopped at the 0 s budget", StringComparison.Ordinal)));
        Assert.All(plans, p => Assert.True(p.Carbon.Mean <= p.Home.Carbon.Mean));
    }

    [Fact]
    public void Cancellation_stops_the_solve_and_progress_counts_the_hours()
    {
        var problem = NineStepsOverTwelveRegions();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => PlacementSolver.Solve(problem, new[] { 0 }, PlacementAlgorithm.Default, null, null, cancelled.Token));

        var reported = new List<int>();
        PlacementSolver.Solve(problem, new[] { 0, 1, 2 }, PlacementAlgorithm.Coarse, null, new SynchronousProgress(reported), CancellationToken.None);
        Assert.Equal(new[] { 1, 2, 3 }, reported);
    }

    /// <summary>The shape the timing check uses: one step fans out to six, they fan in to one, then a last step.</summary>
    internal static PlacementProblem NineStepsOverTwelveRegions(int seed = 9)
    {
        var random = new Random(seed);
        var problem = new TestProblem(Home);
        problem.Region(Home, Series(random));
        for (var r = 1; r < 12; r++) problem.Region($"aws:r{r}", Series(random));
        var places = Enumerable.Range(0, 12).Select(_ => (random.NextDouble() * 100, random.NextDouble() * 100)).ToArray();
        problem.Latency((a, b) =>
        {
            var (ia, ib) = (Index(a), Index(b));
            var distance = Math.Sqrt(Math.Pow(places[ia].Item1 - places[ib].Item1, 2) + Math.Pow(places[ia].Item2 - places[ib].Item2, 2));
            return (0.002 + distance * 0.001, 0.004 + distance * 0.0015);
        }, bytesPerSecond: 5e7);
        problem.Step("split", Runtimes(random), outputBytes: 2e6);
        var branches = Enumerable.Range(1, 6).Select(i => $"work{i}").ToArray();
        foreach (var branch in branches) problem.Step(branch, Runtimes(random), new[] { "split" }, outputBytes: 5e5);
        problem.Step("join", Runtimes(random), branches, outputBytes: 1e5);
        problem.Step("report", Runtimes(random), new[] { "join" });
        problem.Hard("runtime", "relative", 120);
        return problem.Build();

        static int Index(string region) => region == Home ? 0 : int.Parse(region.Substring("aws:r".Length), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static PlacementProblem RandomProblem(Random random, int steps, int regions, double? hardRuntime)
    {
        var problem = new TestProblem(Home);
        for (var r = 0; r < regions; r++) problem.Region(r == 0 ? Home : $"aws:r{r}", Series(random), pue: 1.05 + random.NextDouble() * 0.2);
        var latency = new Dictionary<(string, string), (double, double)>();
        problem.Latency((a, b) =>
        {
            if (a == b) return (0.001, 0.002);
            var key = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
            if (!latency.TryGetValue(key, out var value))
            {
                var mean = 0.01 + random.NextDouble() * 0.5;
                latency[key] = value = (mean, mean * (1.2 + random.NextDouble()));
            }
            return value;
        }, bytesPerSecond: 2e7);
        for (var s = 0; s < steps; s++)
        {
            var needs = Enumerable.Range(0, s).Where(_ => random.NextDouble() < 0.5).Select(n => $"s{n}").ToArray();
            if (s > 0 && needs.Length == 0) needs = new[] { $"s{s - 1}" };
            problem.Step($"s{s}", Runtimes(random), needs, outputBytes: random.NextDouble() * 5e7,
                runProbability: random.NextDouble() < 0.3 ? 0.6 : 1, widths: random.NextDouble() < 0.25 ? new[] { 1, 3, 5 } : null);
        }
        if (hardRuntime is { } limit) problem.Hard("runtime", "relative", limit);
        return problem.Build();
    }

    private static double[] Series(Random random)
    {
        var level = 50 + random.NextDouble() * 650;
        var swing = random.NextDouble() * 0.6;
        var phase = random.Next(24);
        return Enumerable.Range(0, 24).Select(h => level * (1 + swing * Math.Sin((h + phase) * Math.PI / 12))).ToArray();
    }

    private static double[] Runtimes(Random random) => Enumerable.Range(0, 5).Select(_ => 0.2 + random.NextDouble() * 3).ToArray();

    private sealed class SynchronousProgress : IProgress<int>
    {
        private readonly List<int> _reported;

        public SynchronousProgress(List<int> reported) => _reported = reported;

        public void Report(int value) => _reported.Add(value);
    }
}
