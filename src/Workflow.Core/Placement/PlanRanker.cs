using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// How plans of one hour are ordered (DESIGN §7, Caribou's ranker.py made exact): a plan that meets
/// every hard constraint (on the 95th percentiles) beats one that does not; then fewer soft
/// constraints broken (on the means); then the <c>priority</c> metrics' means in order, where two
/// values within <see cref="RelativeTolerance"/> count as equal so the next metric decides (in
/// Caribou the first always decides, floats being floats). Relative limits are percent of the
/// all-at-home plan: its p95 for hard constraints, its mean for soft ones (as Caribou's soft ones).
/// It also remembers the plans a constraint cut off, to say in <c>Binding</c> which constraints bind.
/// </summary>
internal sealed class PlanRanker
{
    /// <summary>
    /// Means within 0.1% count as equal. Chosen: finer than any difference worth moving a step for,
    /// coarser than the Monte Carlo noise between two close plans (its runtime part).
    /// </summary>
    public const double RelativeTolerance = 1e-3;

    /// <summary>A plan within 1% of a limit sits at it: the constraint binds.</summary>
    private const double AtLimit = 0.01;

    private static readonly PlanMetric[] DefaultPriority = { PlanMetric.Carbon, PlanMetric.Runtime, PlanMetric.Cost };

    private readonly List<Limit> _hard = new();
    private readonly List<Limit> _soft = new();
    private readonly Dictionary<Limit, PlanCandidate> _cutOff = new();

    public PlanRanker(ConstraintSpec constraints, PlanCandidate home)
    {
        Home = home;
        foreach (var pair in constraints.Hard) _hard.Add(MakeLimit(pair.Key, pair.Value, hard: true, home));
        foreach (var pair in constraints.Soft) _soft.Add(MakeLimit(pair.Key, pair.Value, hard: false, home));
        // The priority given, then the metrics it leaves out in the default order, so ties still get decided.
        var given = constraints.Priority.Select(p => ParseMetric(p, "priority")).ToList();
        Priority = given.Concat(DefaultPriority.Where(m => !given.Contains(m))).Distinct().ToArray();
    }

    public PlanCandidate Home { get; }
    public IReadOnlyList<PlanMetric> Priority { get; }
    public bool HasHardConstraints => _hard.Count > 0;

    public bool Feasible(PlanCandidate plan)
    {
        if (plan.FeasibleCache is { } known) return known;
        var feasible = true;
        foreach (var limit in _hard) feasible &= limit.Holds(plan);
        plan.FeasibleCache = feasible;
        return feasible;
    }

    public int SoftViolations(PlanCandidate plan)
    {
        if (plan.SoftCache is { } known) return known;
        var broken = 0;
        foreach (var limit in _soft) broken += limit.Holds(plan) ? 0 : 1;
        plan.SoftCache = broken;
        return broken;
    }

    /// <summary>Whether <paramref name="a"/> ranks strictly before <paramref name="b"/>; records what cut <paramref name="a"/> off.</summary>
    public bool IsBetter(PlanCandidate a, PlanCandidate b)
    {
        var feasibleA = Feasible(a);
        if (feasibleA != Feasible(b))
        {
            if (!feasibleA) RememberCutOff(a, b, _hard);
            return feasibleA;
        }
        var softA = SoftViolations(a);
        var softB = SoftViolations(b);
        if (softA != softB)
        {
            if (softA > softB) RememberCutOff(a, b, _soft);
            return softA < softB;
        }
        return PriorityCompare(a, b) < 0;
    }

    /// <summary>
    /// True when <paramref name="plan"/> surely does not rank before <paramref name="best"/>, judged on the
    /// exact means alone: lets a search skip the pass over the samples for most plans it looks at.
    /// </summary>
    public bool CannotBeat(PlanCandidate plan, PlanCandidate best)
    {
        var cannot = CannotBeat(plan.CarbonMean, plan.CostMean, best);
        // A plan set aside for a soft constraint it breaks may still be one the priority prefers: remember it for Binding.
        if (cannot && Feasible(best) && KnownSoftViolations(plan.CarbonMean, plan.CostMean) > SoftViolations(best)) RememberCutOff(plan, best, _soft);
        return cannot;
    }

    /// <summary>The same, for a plan known only by its exact carbon and cost means.</summary>
    public bool CannotBeat(double carbonMean, double costMean, PlanCandidate best)
    {
        if (!Feasible(best)) return false;
        // Soft constraints on exact means are known now; one on the runtime could only add a violation.
        var knownSoft = KnownSoftViolations(carbonMean, costMean);
        var bestSoft = SoftViolations(best);
        if (knownSoft != bestSoft) return knownSoft > bestSoft;
        // From here the plan breaks at least as many soft constraints as best: only the priority can lift it.
        var first = Priority[0];
        if (!PlanCandidate.IsExact(first)) return false;
        var value = first == PlanMetric.Carbon ? carbonMean : costMean;
        var bestValue = best.Mean(first);
        return value > bestValue && Differs(value, bestValue);
    }

    private int KnownSoftViolations(double carbonMean, double costMean)
    {
        var broken = 0;
        foreach (var limit in _soft)
        {
            if (limit.Metric == PlanMetric.Carbon && !limit.Holds(carbonMean)) broken++;
            if (limit.Metric == PlanMetric.Cost && !limit.Holds(costMean)) broken++;
        }
        return broken;
    }

    /// <summary>Negative when a's priority means come first, lexicographically with the tolerance.</summary>
    public int PriorityCompare(PlanCandidate a, PlanCandidate b)
    {
        foreach (var metric in Priority)
        {
            var x = a.Mean(metric);
            var y = b.Mean(metric);
            if (Differs(x, y)) return x < y ? -1 : 1;
        }
        return 0;
    }

    public static bool Differs(double x, double y) =>
        Math.Abs(x - y) > RelativeTolerance * Math.Max(Math.Abs(x), Math.Abs(y));

    /// <summary>The constraints the chosen plan sits at, breaks, or that cut better plans off, as a user reads them.</summary>
    public IReadOnlyList<string> Binding(PlanCandidate chosen, bool noneFeasible)
    {
        var binding = new List<string>();
        if (noneFeasible)
        {
            var broken = _hard.Where(l => !l.Holds(chosen)).Select(l => l.Text).ToArray();
            binding.Add("no plan meets the hard constraints, so the all-at-home plan is returned" + (broken.Length > 0 ? " (it breaks " + string.Join("; ", broken) + ")" : ""));
            return binding;
        }
        var better = "cuts off plans with lower " + Name(Priority[0]);
        foreach (var limit in _hard.Concat(_soft))
        {
            var value = limit.Value(chosen);
            if (!limit.Holds(chosen))
                binding.Add($"{limit.Text}: broken ({Format(value, limit.Metric)})");
            else if (_cutOff.TryGetValue(limit, out var cut) && PriorityCompare(cut, chosen) < 0)
                binding.Add($"{limit.Text}: {better}");
            else if (value >= limit.Bound * (1 - AtLimit) && limit.Bound > 0)
                binding.Add($"{limit.Text}: the plan is at {Format(value, limit.Metric)}");
        }
        return binding;
    }

    private void RememberCutOff(PlanCandidate cut, PlanCandidate kept, List<Limit> limits)
    {
        // Only a plan the priority prefers was cut off by the constraint; keep the best such per constraint.
        if (PriorityCompare(cut, kept) >= 0) return;
        foreach (var limit in limits)
        {
            if (limit.Holds(cut)) continue;
            if (!_cutOff.TryGetValue(limit, out var known) || PriorityCompare(cut, known) < 0) _cutOff[limit] = cut;
        }
    }

    private static Limit MakeLimit(string metricName, Constraint constraint, bool hard, PlanCandidate home)
    {
        var metric = ParseMetric(metricName, hard ? "hard" : "soft");
        var kind = hard ? "hard" : "soft";
        var statistic = hard ? "p95" : "mean";
        var type = constraint.Type.Trim().ToLowerInvariant();
        double bound;
        string text;
        if (type == "absolute")
        {
            bound = constraint.Value;
            text = $"{kind} {Name(metric)} {statistic} ≤ {Format(bound, metric)}";
        }
        else if (type == "relative")
        {
            var reference = hard ? home.P95(metric) : home.Mean(metric);
            bound = constraint.Value / 100 * reference;
            text = $"{kind} {Name(metric)} {statistic} ≤ {constraint.Value.ToString("G4", CultureInfo.InvariantCulture)}% of home ({Format(bound, metric)})";
        }
        else
        {
            throw new WorkflowException(WorkflowErrors.BadConstraint, $"The {kind} {metricName} constraint has type '{constraint.Type}'. Use 'absolute' or 'relative' (percent of the all-at-home plan).", metricName);
        }
        return new Limit(metric, hard, bound, text);
    }

    private static PlanMetric ParseMetric(string name, string where) => name.Trim().ToLowerInvariant() switch
    {
        "carbon" => PlanMetric.Carbon,
        "runtime" => PlanMetric.Runtime,
        "cost" => PlanMetric.Cost,
        _ => throw new WorkflowException(WorkflowErrors.BadConstraint, $"The {where} constraints name '{name}', which is not a metric. Use carbon, runtime or cost.", name),
    };

    private static string Name(PlanMetric metric) => metric.ToString().ToLowerInvariant();

    private static string Format(double value, PlanMetric metric) => metric switch
    {
        PlanMetric.Carbon => value.ToString("G3", CultureInfo.InvariantCulture) + " g",
        PlanMetric.Cost => value.ToString("G3", CultureInfo.InvariantCulture) + " USD",
        _ => value.ToString("G3", CultureInfo.InvariantCulture) + " s",
    };

    /// <summary>One constraint with its bound worked out (relative ones against home).</summary>
    private sealed class Limit
    {
        public Limit(PlanMetric metric, bool hard, double bound, string text)
        {
            Metric = metric;
            Hard = hard;
            Bound = bound;
            Text = text;
        }

        public PlanMetric Metric { get; }
        public bool Hard { get; }
        public double Bound { get; }
        public string Text { get; }

        public double Value(PlanCandidate plan) => Hard ? plan.P95(Metric) : plan.Mean(Metric);

        // A hair of slack so that home meets "100% of home" although sums are added in another order.
        public bool Holds(PlanCandidate plan) => Holds(Value(plan));

        public bool Holds(double value) => value <= Bound + 1e-12 * Math.Abs(Bound);
    }
}
