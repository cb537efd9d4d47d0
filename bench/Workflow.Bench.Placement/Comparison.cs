using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using Workflow.Bench.Placement.Caribou;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Bench.Placement;

/// <summary>The bench proper: every shape × region set × constraint row, a markdown table and the assumptions.</summary>
internal static class Comparison
{
    /// <summary>Caribou's benchmark regions (benchmarks/video_analytics/.caribou/config.yml allowed_regions), home first.</summary>
    public static readonly string[] CaribouRegions = { "aws:us-east-1", "aws:us-east-2", "aws:us-west-1", "aws:us-west-2", "aws:ca-central-1" };

    /// <summary>12 AWS regions of the bundled data, each with a grid figure (hourly where the data has it), home first.</summary>
    public static readonly string[] TwelveRegions =
    {
        "aws:us-east-1", "aws:us-east-2", "aws:us-west-1", "aws:us-west-2", "aws:ca-central-1", "aws:eu-central-1",
        "aws:eu-west-2", "aws:sa-east-1", "aws:ap-northeast-1", "aws:ap-southeast-1", "aws:ap-southeast-2", "aws:ap-south-1",
    };

    public static int Run(string dataFolder, bool quick, int seed)
    {
        var shapes = CaribouShapes.All().Where(s => !quick || s.Name is "rag_data_ingestion" or "text_2_speech_censoring").ToList();
        var hours = Enumerable.Range(0, quick ? 4 : 24).ToArray();
        var regionSets = new[] { ("Caribou's 5", CaribouRegions), ("12", TwelveRegions) };
        var assumptions = new SortedSet<string>(StringComparer.Ordinal);
        Console.WriteLine($"Placement bench: {hours.Length} hourly plans a row, home {CaribouShapes.Home}, forecast day {BenchProblem.ForDate:yyyy-MM-dd} (mean of the 7 days from {BenchProblem.WeekStart:yyyy-MM-dd} at each UTC hour), heuristic seed {seed}");
        Console.WriteLine($"Caribou's regions (benchmarks/*/.caribou/config.yml): {string.Join(", ", CaribouRegions)}");
        Console.WriteLine($"12 regions: {string.Join(", ", TwelveRegions)}");
        Console.WriteLine($"Every plan re-scored by the product's PlanEvaluator ({PlacementSolver.Samples} samples, seed 1); saved = carbon saved vs all-at-home, mean over the hours; gap = (carbon − optimum's) / optimum's, worst hour.");
        Console.WriteLine("Solve times are wall-clock on a shared 2-core machine, measured in this process one after the other: noisy.");
        Console.WriteLine();
        Console.WriteLine("| shape | regions | constraint | plans | saved: ours | heuristic | optimum | gap: ours | heuristic | solve: ours | heuristic | ours/heuristic | hours ours worse | heuristic infeasible |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var worseTotal = 0;
        foreach (var shape in shapes)
        {
            foreach (var (setName, regions) in regionSets)
            {
                foreach (var runtimeLimit in new[] { false, true })
                {
                    var problem = SelfCheck.Problem(shape, regions, dataFolder, runtimeLimit);
                    foreach (var line in problem.Assumptions.Concat(shape.Assumptions)) assumptions.Add(line);
                    var row = Measure(problem, hours, seed);
                    worseTotal += row.HoursOursWorse;
                    Console.WriteLine(
                        $"| {shape.Name} | {setName} | {(runtimeLimit ? "hard runtime p95 ≤ 120% of home" : "none")} | {row.Plans:N0} " +
                        $"| {row.SavedOurs:F2}% | {row.SavedHeuristic:F2}% | {Optional(row.SavedOptimum, "F2", "%")} " +
                        $"| {Optional(row.GapOurs, "F3", "%")} | {Optional(row.GapHeuristic, "F3", "%")} " +
                        $"| {row.SolveOurs.TotalSeconds:F3} s | {row.SolveHeuristic.TotalSeconds:F2} s | {row.SolveOurs.TotalSeconds / row.SolveHeuristic.TotalSeconds:F3} " +
                        $"| {row.HoursOursWorse} | {row.HoursHeuristicInfeasible} |");
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine("Runtime constraint row: hard, relative 120 (the plan's p95 runtime at most 120% of the all-at-home plan's), as Caribou's hard_resource_constraints.runtime {type: relative, value: 120}.");
        Console.WriteLine("\"heuristic infeasible\": hours whose heuristic plan breaks that constraint under the product's evaluator (Caribou's own samples passed it); such hours are not counted against ours.");
        Console.WriteLine("Assumptions:");
        foreach (var line in assumptions) Console.WriteLine("- " + line);
        Console.WriteLine(worseTotal == 0 ? "ours was never worse than the heuristic" : $"ours was worse than the heuristic in {worseTotal} hours");
        return 0;
    }

    private sealed record Row(
        long Plans, double SavedOurs, double SavedHeuristic, double? SavedOptimum, double? GapOurs, double? GapHeuristic,
        TimeSpan SolveOurs, TimeSpan SolveHeuristic, int HoursOursWorse, int HoursHeuristicInfeasible);

    private static Row Measure(PlacementProblem problem, int[] hours, int seed)
    {
        var clock = Stopwatch.StartNew();
        var ours = PlacementSolver.Solve(problem, hours, PlacementAlgorithm.Default, null, null, CancellationToken.None);
        var solveOurs = clock.Elapsed;
        clock.Restart();
        var heuristic = new StochasticHeuristic(problem, seed);
        var theirs = heuristic.Run(hours);
        var solveHeuristic = clock.Elapsed;
        var plans = problem.Definition.Steps.Aggregate(1L, (count, step) => count * problem.StepRegions[step.Name].Count);
        var optimum = plans <= PlacementSolver.ExhaustiveLimit
            ? PlacementSolver.Solve(problem, hours, PlacementAlgorithm.Exhaustive, null, null, CancellationToken.None)
            : null;

        // One truth: the product's evaluator, the same samples for every plan.
        var evaluator = new PlanEvaluator(problem, PlacementSolver.Samples, seed: 1);
        var regions = problem.Regions.ToList();
        var homePlan = problem.Definition.Steps.Select(_ => regions.IndexOf(problem.Home)).ToArray();
        int[] FromPlan(DeploymentPlan plan) => problem.Definition.Steps.Select(step => regions.IndexOf(plan.Placement[step.Name])).ToArray();
        int[] FromHeuristic(int[] deployment) => problem.Definition.Steps.Select(step => deployment[heuristic.Steps.ToList().IndexOf(step.Name)]).ToArray();
        var limit = problem.Definition.Constraints.Hard.TryGetValue("runtime", out var runtime) ? runtime : null;

        var saved = new List<(double Ours, double Heuristic, double? Optimum)>();
        var gaps = new List<(double Ours, double Heuristic)>();
        var worse = 0;
        var infeasible = 0;
        for (var i = 0; i < hours.Length; i++)
        {
            var hour = hours[i];
            var home = evaluator.Evaluate(homePlan, hour);
            var our = evaluator.Evaluate(FromPlan(ours[i]), hour);
            var their = evaluator.Evaluate(FromHeuristic(theirs[i].Deployment), hour);
            var best = optimum is null ? null : evaluator.Evaluate(FromPlan(optimum[i]), hour);
            double Saved(PlanFigures f) => (home.Carbon.Mean - f.Carbon.Mean) / home.Carbon.Mean * 100;
            bool Feasible(PlanFigures f) => limit is null || !CaribouRanker.IsAbsoluteOrRelativeFailed(f.Runtime.P95, limit, home.Runtime.P95);
            saved.Add((Saved(our), Saved(their), best is null ? null : Saved(best)));
            if (best != null) gaps.Add(((our.Carbon.Mean - best.Carbon.Mean) / best.Carbon.Mean * 100, (their.Carbon.Mean - best.Carbon.Mean) / best.Carbon.Mean * 100));
            if (!Feasible(their)) infeasible++;
            // Worse: the heuristic's plan keeps the constraint and emits less, beyond float noise.
            else if (their.Carbon.Mean < our.Carbon.Mean * (1 - 1e-9)) worse++;
        }
        return new Row(
            plans,
            saved.Average(s => s.Ours),
            saved.Average(s => s.Heuristic),
            optimum is null ? null : saved.Average(s => s.Optimum!.Value),
            gaps.Count > 0 ? gaps.Max(g => g.Ours) : null,
            gaps.Count > 0 ? gaps.Max(g => g.Heuristic) : null,
            solveOurs, solveHeuristic, worse, infeasible);
    }

    private static string Optional(double? value, string format, string unit) =>
        value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + unit : "n/a (too many plans)";
}
