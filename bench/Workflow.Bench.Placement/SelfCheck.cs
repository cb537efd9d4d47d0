using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Bench.Placement.Caribou;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Bench.Placement;

/// <summary>
/// <c>--self-check</c>: the port behaves as Caribou's code does on cases worked out by hand. The bench
/// is an executable the xunit project cannot reference cleanly, so the checks live here and the
/// process exits non-zero when one fails.
/// </summary>
internal static class SelfCheck
{
    public static int Run()
    {
        var failures = new List<string>();
        void Check(bool ok, string what)
        {
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
            if (!ok) failures.Add(what);
        }

        // The draw int(u × (n − 1)): with n = 3 the index is 0 or 1, never 2, even at u just below 1.
        Check(CaribouMetricsCalculator.DrawIndex(0.999999999, 3) == 1, "the draw's last index for 3 samples is 1 (the last element is never drawn)");
        Check(CaribouMetricsCalculator.DrawIndex(0.5, 3) == 1 && CaribouMetricsCalculator.DrawIndex(0.49, 3) == 0, "the draw splits [0,1) in two halves over the first 2 of 3 samples");
        Check(CaribouMetricsCalculator.DrawIndex(0.999, 1) == 0, "a single-sample list always draws its one element");

        // numpy.percentile([1..5], 95) = 4.8 (linear between ranks 3 and 4).
        Check(Math.Abs(CaribouMetricsCalculator.Percentile(new double[] { 5, 1, 4, 2, 3 }, 95) - 4.8) < 1e-12, "the 95th percentile of 1..5 is numpy's 4.8");

        var regions = new[] { CaribouShapes.Home, "aws:us-east-2", "aws:us-west-1", "aws:us-west-2", "aws:ca-central-1" };
        var shapes = CaribouShapes.All().ToDictionary(s => s.Name);
        var video = Problem(shapes["video_analytics"], regions);
        var heuristic = new StochasticHeuristic(video, seed: 1);
        // 9 steps: int(0.2 × 9 + 1) = int(2.8) = 2 moves; 5 regions × 9 steps × 3 = 135 iterations; 5^9 plans.
        Check(heuristic.LearningRate == 2, $"9 steps move int(0.2·9 + 1) = 2 at a time (got {heuristic.LearningRate})");
        Check(heuristic.Iterations == 135, $"5 regions × 9 steps × 3 = 135 iterations (got {heuristic.Iterations})");
        Check(heuristic.MaxCombinations == 1953125, $"5^9 = 1953125 plans (got {heuristic.MaxCombinations})");
        var single = new StochasticHeuristic(Problem(shapes["dna_visualization"], regions), seed: 1);
        Check(single.LearningRate == 1 && single.Iterations == 15, "1 step: int(1.2) = 1 move, 15 iterations");

        // A runtime list of [1, 100]: Caribou never draws 100, so every sample of a one-step plan is 1 s of execution.
        var skewed = shapes["dna_visualization"] with
        {
            Steps = new Dictionary<string, StepProfile>
            {
                ["visualize"] = shapes["dna_visualization"].Steps["visualize"] with
                {
                    RuntimeSeconds = new Dictionary<string, IReadOnlyList<double>> { [CaribouShapes.Home] = new[] { 1.0, 100.0 } },
                },
            },
        };
        var calculator = new CaribouMetricsCalculator(Problem(skewed, regions), new[] { "visualize" }, new Random(3));
        var metrics = calculator.CalculateDeploymentMetrics(new[] { 0 });
        Check(metrics.TailRuntime < 2, $"a [1 s, 100 s] runtime list never yields 100 s (tail runtime {metrics.TailRuntime:G4} s)");

        // The acceptance probability depends on the home plan's metric and the temperature only: at
        // T = 1 it is 2^(−|home − 1|), the same for a candidate 10× better or 10× worse.
        var check = new StochasticHeuristic(video, seed: 2);
        check.Run(new[] { 0 });
        var home = check.Calculator.CalculateDeploymentMetrics(Enumerable.Repeat(0, 9).ToArray());
        var expected = Math.Min(1.0, Math.Pow(2.0, -Math.Abs(home.AverageCarbon - check.Temperature) / check.Temperature));
        Check(Math.Abs(check.AcceptanceProbability() - expected) < 0.05 * expected,
            $"acceptance = min(1, 2^(−|home carbon − T| / T)) = {expected:G4} at T = {check.Temperature:G4} (got {check.AcceptanceProbability():G4}); no candidate enters it");
        Check(check.Temperature < 1 && check.Temperature >= Math.Pow(0.99, check.Iterations) - 1e-12, $"the temperature cools by 0.99 per evaluated candidate (T = {check.Temperature:G4})");
        var cooled = check.Temperature;
        check.Run(new[] { 1 });
        Check(check.Temperature < cooled, "the temperature keeps cooling into the next hour (set once, as Caribou's _setup)");

        // The ranker: the first priority decides; a later one only on an exact tie.
        var ranker = new CaribouRanker(new ConstraintSpec { Priority = new[] { "carbon", "runtime", "cost" } });
        var ranked = ranker.Rank(new List<(int[], CaribouMetrics)>
        {
            (new[] { 0 }, new CaribouMetrics(1.0 + 1e-15, 1, 1, 0, 0, 0)),
            (new[] { 1 }, new CaribouMetrics(1.0, 100, 100, 0, 0, 0)),
        });
        Check(ranked[0].Item1[0] == 1, "carbon 1 beats carbon 1+1e-15 whatever the runtime (float comparison)");

        Console.WriteLine(failures.Count == 0 ? "self-check passed" : $"self-check: {failures.Count} failed");
        return failures.Count == 0 ? 0 : 1;
    }

    private static PlacementProblem Problem(Shape shape, IReadOnlyList<string> regions) =>
        Comparison.Problem(shape, new Comparison.Setting("self-check", regions, Array.Empty<string>(), null));
}
