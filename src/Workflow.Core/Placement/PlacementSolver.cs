using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// Plans where each step of a workflow runs, one plan per hour of the day asked (DESIGN §7).
/// <para>
/// How Default searches: carbon and cost means add up over steps and edges, so they are computed
/// exactly (no sampling) for every plan looked at; the runtime and the 95th percentiles need the
/// Monte Carlo pass, which is made only for plans that could still beat the best so far on those
/// exact means, and once per plan for all hours (runtime and cost do not change by the hour). The
/// search starts from the all-at-home plan, every one-region plan, the plan that puts each step
/// where it alone does best, and the previous hour's best; from each it takes the best move of one
/// step, or of a step and a step it needs together to one region, until no move improves (a descent
/// that reaches a plan an earlier one passed through stops: it would end the same way). Starts
/// that break a hard constraint are not searched from. All plans are ranked by PlanRanker
/// (hard constraints, soft ones, then the priority with a 0.1% tolerance) on the same samples (common random numbers), so the plan returned is
/// the best seen under the ranking, and never worse than the home plan or Coarse's plan.
/// </para>
/// </summary>
public static class PlacementSolver
{
    /// <summary>
    /// The most plans Exhaustive enumerates: 100,000 (a 5-step workflow over 10 regions). Measured on
    /// the 2-core build machine: well under a minute for 24 hours; past this, use -Algorithm Default.
    /// </summary>
    public const long ExhaustiveLimit = 100_000;

    /// <summary>Monte Carlo samples a plan (Caribou's 2,000).</summary>
    public const int Samples = 2000;

    /// <summary>The plans of the hours given (0..23, UTC), in that order.</summary>
    /// <param name="timeBudget">Default stops searching when it is spent and returns the best plans so far, saying so in Assumptions; null is no limit.</param>
    /// <param name="hoursDone">Told the number of hours planned after each.</param>
    public static IReadOnlyList<DeploymentPlan> Solve(
        PlacementProblem problem,
        IReadOnlyList<int> hours,
        PlacementAlgorithm algorithm,
        TimeSpan? timeBudget,
        IProgress<int>? hoursDone,
        CancellationToken cancellationToken)
    {
        if (problem == null) throw new ArgumentNullException(nameof(problem));
        if (hours == null) throw new ArgumentNullException(nameof(hours));
        foreach (var hour in hours)
        {
            if (hour < 0 || hour > 23) throw new ArgumentOutOfRangeException(nameof(hours), hour, "An hour of the day is 0..23 (UTC).");
        }
        var clock = Stopwatch.StartNew();
        var evaluator = new PlanEvaluator(problem, Samples, seed: 1);
        var samples = evaluator.Samples;
        if (algorithm == PlacementAlgorithm.Exhaustive) RefuseIfTooLarge(problem, samples);

        var plans = new List<DeploymentPlan>(hours.Count);
        int[]? previous = null;
        var budgetNote = timeBudget is { } budget
            ? $"search stopped at the {budget.TotalSeconds.ToString("G3", CultureInfo.InvariantCulture)} s budget: the plan is the best found by then"
            : null;
        Func<bool> outOfTime = () => timeBudget is { } b && clock.Elapsed >= b;
        foreach (var hour in hours)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var hourClock = Stopwatch.StartNew();
            var home = new PlanCandidate(evaluator, PlacementSearch.HomePlan(samples), hour);
            var ranker = new PlanRanker(problem.Definition.Constraints, home);
            var search = new PlacementSearch(evaluator, ranker, hour, outOfTime, cancellationToken);
            switch (algorithm)
            {
                case PlacementAlgorithm.Exhaustive: search.Exhaustive(); break;
                case PlacementAlgorithm.Coarse: search.Coarse(); break;
                default: search.Default(previous); break;
            }
            var noneFeasible = !ranker.Feasible(search.Best);
            var chosen = noneFeasible ? home : search.Best;
            previous = chosen.Plan;
            var notes = new List<string>();
            if (search.Stopped && budgetNote != null) notes.Add(budgetNote);
            plans.Add(Plan(evaluator, ranker, chosen, home, algorithm, hourClock.Elapsed, noneFeasible, notes));
            hoursDone?.Report(plans.Count);
        }
        return plans;
    }

    private static void RefuseIfTooLarge(PlacementProblem problem, PlacementSamples samples)
    {
        var count = PlacementSearch.PlanCount(samples);
        if (count <= ExhaustiveLimit) return;
        var sizes = string.Join(" × ", samples.Allowed.Select(a => a.Length.ToString(CultureInfo.InvariantCulture)));
        var counted = count == long.MaxValue ? "more than 9.2e18" : count.ToString("N0", CultureInfo.InvariantCulture);
        throw new WorkflowException(
            WorkflowErrors.PlacementTooLargeForExhaustive,
            $"Workflow '{problem.Definition.WorkflowId}' has {counted} plans ({sizes} regions per step), more than the {ExhaustiveLimit.ToString("N0", CultureInfo.InvariantCulture)} " +
            "that -Algorithm Exhaustive enumerates. Use -Algorithm Default, or allow fewer regions (regions.allowed, or pins on steps).",
            problem.Definition.WorkflowId);
    }

    private static DeploymentPlan Plan(
        PlanEvaluator evaluator, PlanRanker ranker, PlanCandidate chosen, PlanCandidate home,
        PlacementAlgorithm algorithm, TimeSpan solveTime, bool noneFeasible, List<string> notes)
    {
        var samples = evaluator.Samples;
        var placement = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var step = 0; step < chosen.Plan.Length; step++) placement[samples.StepNames[step]] = samples.RegionNames[chosen.Plan[step]];
        var figures = evaluator.Evaluate(chosen.Plan, chosen.Hour);
        var homeFigures = evaluator.Evaluate(home.Plan, home.Hour);
        var assumptions = evaluator.Problem.Assumptions.Concat(evaluator.Assumptions).Concat(notes).ToList();
        assumptions.Add($"means within {(PlanRanker.RelativeTolerance * 100).ToString("G3", CultureInfo.InvariantCulture)}% count as equal, so the next priority ({string.Join(", ", ranker.Priority.Select(p => p.ToString().ToLowerInvariant()))}) decides");
        return new DeploymentPlan
        {
            WorkflowId = evaluator.Problem.Definition.WorkflowId,
            Hour = chosen.Hour,
            Placement = placement,
            Carbon = figures.Carbon,
            Cost = figures.Cost,
            Runtime = figures.Runtime,
            Home = homeFigures,
            CarbonSavedPercent = homeFigures.Carbon.Mean > 0 ? (homeFigures.Carbon.Mean - figures.Carbon.Mean) / homeFigures.Carbon.Mean * 100 : 0,
            Binding = ranker.Binding(chosen, noneFeasible),
            Algorithm = algorithm.ToString(),
            SolveTime = solveTime,
            Assumptions = assumptions,
            Sources = evaluator.Problem.Sources,
            HomeRegion = evaluator.Problem.Home,
        };
    }
}
