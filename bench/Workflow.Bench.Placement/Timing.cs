using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Bench.Placement;

/// <summary>
/// <c>--timing</c>: DESIGN §7's speed target, a day's 24 plans of the 9-step shape (video_analytics) over 12
/// regions in about a second, measured as PlacementSolver.Solve (Default) from the built problem, repeated.
/// </summary>
internal static class Timing
{
    public const int Repeats = 5;

    public static int Run()
    {
        var video = CaribouShapes.All().Single(s => s.Name == "video_analytics");
        var hours = Enumerable.Range(0, 24).ToArray();
        var settings = Comparison.Settings().Where(s => s.Regions.StartsWith("12", StringComparison.Ordinal)).ToList();
        Console.WriteLine($"Default solve of 24 plans, video_analytics (9 steps), {Repeats} runs each, one after the other in this process; {Environment.ProcessorCount} cores.");
        Console.WriteLine();
        Console.WriteLine("| regions | constraint | min | median | runs (s) | saved (mean of 24 h) |");
        Console.WriteLine("|---|---|---:|---:|---|---:|");
        foreach (var setting in settings)
        {
            var problem = Comparison.Problem(video, setting);
            var times = new List<double>();
            IReadOnlyList<DeploymentPlan> plans = Array.Empty<DeploymentPlan>();
            for (var run = 0; run < Repeats; run++)
            {
                var clock = Stopwatch.StartNew();
                plans = PlacementSolver.Solve(problem, hours, PlacementAlgorithm.Default, null, null, CancellationToken.None);
                times.Add(clock.Elapsed.TotalSeconds);
            }
            var sorted = times.OrderBy(t => t).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {setting.Regions} | {setting.Constraint} | {sorted[0]:F3} s | {sorted[sorted.Count / 2]:F3} s | {string.Join(", ", times.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))} | {plans.Average(p => p.CarbonSavedPercent):F2}% |"));
        }
        return 0;
    }
}
