using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
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

    /// <summary>
    /// 12 regions whose cleanest grids are far from home (bundled regions.csv, 2024): eu-north-1 (SE, 24.7 g/kWh),
    /// eu-west-3 (FR, 52.9), eu-central-2 (CH, 83.8), sa-east-1 (BR-CS, hourly), us-west-2 (US-NW-BPAT, 119.8), all
    /// 3,700–7,600 km from us-east-1; the near ones (us-east-2 on home's PJM grid) are as dirty as home.
    /// ca-central-1 (30.5 g/kWh, ~800 km) is not among them.
    /// </summary>
    public static readonly string[] FarRegions =
    {
        "aws:us-east-1", "aws:us-east-2", "aws:us-west-1", "aws:us-west-2", "aws:eu-north-1", "aws:eu-west-3",
        "aws:eu-central-2", "aws:eu-west-2", "aws:eu-central-1", "aws:eu-west-1", "aws:sa-east-1", "aws:ap-northeast-1",
    };

    private const string CaCentral = "aws:ca-central-1";

    /// <summary>Where a row may place steps and under which hard runtime limit (percent of home's p95; null: none).</summary>
    public sealed record Setting(string Regions, IReadOnlyList<string> Allowed, IReadOnlyList<string> Disallowed, double? RuntimePercent)
    {
        public string Constraint => RuntimePercent is { } p ? $"hard runtime p95 ≤ {p:G4}% of home" : "none";
    }

    /// <summary>
    /// The rows: Caribou's regions and 12 with no constraint and Caribou's 120% (ca-central-1's flat 30 g/kWh takes
    /// every step there: the honest, easy case). Then the hard ones: ca-central-1 disallowed from Caribou's regions, and
    /// the far 12, with no constraint and tight hard runtime limits. 105% cuts nothing off: a one-region plan pays only
    /// the hops from and to home (at most 1.1% here, 3.4% for image_processing's 3 s), as the input and results
    /// of a run are not sized. 100.5% and 100.2% do cut the far regions off, so only steps off the critical path may go far.
    /// </summary>
    public static IReadOnlyList<Setting> Settings()
    {
        var none = Array.Empty<string>();
        var noCanada = new[] { CaCentral };
        var settings = new List<Setting>();
        foreach (var (name, regions) in new[] { ("Caribou's 5", CaribouRegions), ("12", TwelveRegions) })
        {
            foreach (var limit in new double?[] { null, 120 }) settings.Add(new Setting(name, regions, none, limit));
        }
        foreach (var (name, regions) in new[] { ("Caribou's 5 − ca-central-1", CaribouRegions), ("12 far", FarRegions) })
        {
            foreach (var limit in new double?[] { null, 105, 100.5, 100.2 }) settings.Add(new Setting(name, regions, noCanada, limit));
        }
        return settings;
    }

    public static PlacementProblem Problem(Shape shape, Setting setting) =>
        BenchProblem.Build(CaribouShapes.WithConstraints(shape.Definition, setting.Allowed, setting.Disallowed, setting.RuntimePercent), shape.Steps);

    public static int Run(bool quick, int seed)
    {
        var shapes = CaribouShapes.All().Where(s => !quick || s.Name is "rag_data_ingestion" or "text_2_speech_censoring").ToList();
        var hours = Enumerable.Range(0, quick ? 4 : 24).ToArray();
        var assumptions = new SortedSet<string>(StringComparer.Ordinal);
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        Console.WriteLine($"Placement bench: {hours.Length} hourly plans a row, home {CaribouShapes.Home}, heuristic seed {seed}");
        Console.WriteLine($"Problems built as Find-WorkflowDeployment builds them: the product's provider, carbon and performance collectors offline at {BenchProblem.Clock:yyyy-MM-dd HH:mm} UTC, then PlacementProblemBuilder with the shapes' step profiles.");
        Console.WriteLine($"Caribou's regions (benchmarks/*/.caribou/config.yml): {string.Join(", ", CaribouRegions)}");
        Console.WriteLine($"12: {string.Join(", ", TwelveRegions)}");
        Console.WriteLine($"12 far (the cleanest far from home, no ca-central-1): {string.Join(", ", FarRegions)}");
        Console.WriteLine($"Every plan re-scored by the product's PlanEvaluator ({PlacementSolver.Samples} samples, seed 1); saved = carbon saved vs all-at-home, mean over the hours; gap = (carbon − optimum's) / optimum's, worst hour.");
        Console.WriteLine("Solve times are wall-clock on a shared 2-core machine, measured in this process one after the other: noisy.");
        Console.WriteLine();
        Console.WriteLine("| shape | regions | constraint | plans | saved: ours | heuristic | optimum | gap: ours | heuristic | solve: ours | heuristic | ours/heuristic | hours ours worse | heuristic infeasible |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var worseTotal = 0;
        foreach (var shape in shapes)
        {
            foreach (var setting in Settings())
            {
                var problem = Problem(shape, setting);
                foreach (var line in problem.Assumptions.Concat(shape.Assumptions)) assumptions.Add(AtHome.IsMatch(line) ? AtHomeSummary : line);
                foreach (var line in problem.Sources) sources.Add(line);
                var row = Measure(problem, hours, seed);
                worseTotal += row.HoursOursWorse;
                Console.WriteLine(
                    $"| {shape.Name} | {setting.Regions} | {setting.Constraint} | {row.Plans:N0} " +
                    $"| {row.SavedOurs:F2}% | {row.SavedHeuristic:F2}% | {Optional(row.SavedOptimum, "F2", "%", TooMany)} " +
                    $"| {Optional(row.GapOurs, "F3", "%", TooMany)} | {Optional(row.GapHeuristic, "F3", "%", row.SavedOptimum is null ? TooMany : "n/a (infeasible)")} " +
                    $"| {row.SolveOurs.TotalSeconds:F3} s | {row.SolveHeuristic.TotalSeconds:F2} s | {row.SolveOurs.TotalSeconds / row.SolveHeuristic.TotalSeconds:F3} " +
                    $"| {row.HoursOursWorse} | {row.HoursHeuristicInfeasible} |");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"optimum n/a: more plans than Exhaustive enumerates ({PlacementSolver.ExhaustiveLimit:N0}).");
        Console.WriteLine("Runtime constraint rows: hard, relative (the plan's p95 runtime at most that percent of the all-at-home plan's), as Caribou's hard_resource_constraints.runtime {type: relative, value: 120}.");
        Console.WriteLine("\"heuristic infeasible\": hours whose heuristic plan breaks that constraint under the product's evaluator (Caribou's own samples, which never draw a runtime list's slowest element, passed it); such an hour counts 0% saved for the heuristic, has no gap, and is not counted against ours.");
        Console.WriteLine("Sources (as the problems' Sources give them, regions that share one together):");
        foreach (var line in ByRegion(sources)) Console.WriteLine("- " + line);
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
        var gapsOurs = new List<double>();
        var gapsHeuristic = new List<double>();
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
            double Gap(PlanFigures f) => (f.Carbon.Mean - best!.Carbon.Mean) / best.Carbon.Mean * 100;
            bool Feasible(PlanFigures f) => limit is null || !CaribouRanker.IsAbsoluteOrRelativeFailed(f.Runtime.P95, limit, home.Runtime.P95);
            // A heuristic plan that breaks the hard constraint cannot be deployed under it: that hour saves
            // nothing (the product falls back to home when no plan is feasible) and has no gap.
            var theirFeasible = Feasible(their);
            saved.Add((Saved(our), theirFeasible ? Saved(their) : 0, best is null ? null : Saved(best)));
            if (best != null) gapsOurs.Add(Gap(our));
            if (best != null && theirFeasible) gapsHeuristic.Add(Gap(their));
            if (!theirFeasible) infeasible++;
            // Worse: the heuristic's plan keeps the constraint and emits less, beyond float noise.
            else if (their.Carbon.Mean < our.Carbon.Mean * (1 - 1e-9)) worse++;
        }
        return new Row(
            plans,
            saved.Average(s => s.Ours),
            saved.Average(s => s.Heuristic),
            optimum is null ? null : saved.Average(s => s.Optimum!.Value),
            gapsOurs.Count > 0 ? gapsOurs.Max() : null,
            gapsHeuristic.Count > 0 ? gapsHeuristic.Max() : null,
            solveOurs, solveHeuristic, worse, infeasible);
    }

    private const string TooMany = "n/a";

    // The builder says per step and region set that runtimes away from home are home's: one line says it for all.
    private static readonly Regex AtHome = new(@"^assumed: \S+ runs as long in .* as at home \(Caribou's assumption\)$", RegexOptions.CultureInvariant);
    private const string AtHomeSummary = "assumed: every step runs as long in every region as at home (Caribou's assumption; the shapes give runtimes at home only)";

    /// <summary>"aws:x carbon: S" lines with the same S as one "carbon: S (aws:x, aws:y)" line.</summary>
    private static IEnumerable<string> ByRegion(IEnumerable<string> sources)
    {
        var perRegion = new Regex(@"^(aws:[a-z0-9-]+) (\w+): (.*)$", RegexOptions.CultureInvariant);
        return sources
            .Select(line => (Line: line, Match: perRegion.Match(line)))
            .GroupBy(x => x.Match.Success ? x.Match.Groups[2].Value + ": " + x.Match.Groups[3].Value : x.Line)
            .Select(g => g.First().Match.Success ? $"{g.Key} ({string.Join(", ", g.Select(x => x.Match.Groups[1].Value))})" : g.Key);
    }

    private static string Optional(double? value, string format, string unit, string missing) =>
        value is { } v ? v.ToString(format, System.Globalization.CultureInfo.InvariantCulture) + unit : missing;
}
