using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Workflow.Bench.Placement.Caribou;
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
        Console.WriteLine($"Placement bench: {hours.Length} hourly plans, home {CaribouShapes.Home}, forecast day {BenchProblem.ForDate:yyyy-MM-dd} (mean of the week from {BenchProblem.WeekStart:yyyy-MM-dd}), heuristic seed {seed}");
        Console.WriteLine($"12 regions: {string.Join(", ", TwelveRegions)}");
        Console.WriteLine();
        Console.WriteLine("| shape | regions | constraint | heuristic saved % | heuristic 24-plan solve |");
        Console.WriteLine("|---|---|---|---:|---:|");
        foreach (var shape in shapes)
        {
            foreach (var (setName, regions) in regionSets)
            {
                foreach (var runtimeLimit in new[] { false, true })
                {
                    var problem = SelfCheck.Problem(shape, regions, dataFolder, runtimeLimit);
                    foreach (var line in problem.Assumptions.Concat(shape.Assumptions)) assumptions.Add(line);
                    var clock = Stopwatch.StartNew();
                    var heuristic = new StochasticHeuristic(problem, seed);
                    var plans = heuristic.Run(hours);
                    var solve = clock.Elapsed;
                    var evaluator = new CaribouMetricsCalculator(problem, heuristic.Steps, new Random(seed));
                    var saved = plans.Select(plan =>
                    {
                        evaluator.UpdateDataForNewHour(plan.Hour);
                        var home = evaluator.CalculateDeploymentMetrics(Enumerable.Repeat(0, plan.Deployment.Length).ToArray());
                        return (home.AverageCarbon - plan.Metrics.AverageCarbon) / home.AverageCarbon * 100;
                    }).Average();
                    Console.WriteLine($"| {shape.Name} | {setName} | {(runtimeLimit ? "hard runtime p95 ≤ 120% of home" : "none")} | {saved:F1} | {solve.TotalSeconds:F2} s |");
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine("Assumptions:");
        foreach (var line in assumptions) Console.WriteLine("- " + line);
        return 0;
    }
}
