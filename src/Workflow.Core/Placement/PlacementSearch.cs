using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace Workflow.Placement;

/// <summary>
/// The search for one hour's plan under one ranking: the one-region plans (Coarse), every plan
/// (Exhaustive), or local search from good starts (Default). Every plan looked at goes through
/// <see cref="Consider"/>, so the best is always the best seen under <see cref="PlanRanker"/>, and the
/// home plan is seen first.
/// </summary>
internal sealed class PlacementSearch
{
    private readonly PlanEvaluator _evaluator;
    private readonly PlacementSamples _samples;
    private readonly int _hour;
    private readonly CancellationToken _cancellationToken;
    private readonly Func<bool> _outOfTime;

    public PlacementSearch(PlanEvaluator evaluator, PlanRanker ranker, int hour, Func<bool> outOfTime, CancellationToken cancellationToken)
    {
        _evaluator = evaluator;
        _samples = evaluator.Samples;
        Ranker = ranker;
        _hour = hour;
        _outOfTime = outOfTime;
        _cancellationToken = cancellationToken;
        Best = ranker.Home;
    }

    public PlanRanker Ranker { get; }
    public PlanCandidate Best { get; private set; }
    /// <summary>True when the time budget ran out before the search ended.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The plan with every step at home, or at its first region where home is not allowed (a pin).</summary>
    public static int[] HomePlan(PlacementSamples samples) => OneRegionPlan(samples, samples.HomeIndex);

    /// <summary>Every step in <paramref name="region"/>; a step that may not go there stays at home, else at its first region.</summary>
    public static int[] OneRegionPlan(PlacementSamples samples, int region) => samples.Allowed
        .Select(allowed => allowed.Contains(region) ? region : allowed.Contains(samples.HomeIndex) ? samples.HomeIndex : allowed[0])
        .ToArray();

    /// <summary>Makes the plan a candidate; true when it became the best.</summary>
    public bool Consider(int[] plan) => Consider(new PlanCandidate(_evaluator, plan, _hour));

    private bool Consider(PlanCandidate candidate)
    {
        if (Ranker.CannotBeat(candidate, Best) || !Ranker.IsBetter(candidate, Best)) return false;
        Best = candidate;
        return true;
    }

    /// <summary>Caribou's coarse-grained algorithm: the best plan that puts every step in one region.</summary>
    public void Coarse()
    {
        for (var r = 0; r < _samples.RegionNames.Length; r++) Consider(OneRegionPlan(_samples, r));
    }

    /// <summary>
    /// Every plan, best first by the exact mean of the first priority (when it has one), so that the
    /// best is met early and most plans are set aside on their exact means.
    /// </summary>
    public void Exhaustive()
    {
        var allowed = _samples.Allowed;
        var count = PlanCount(_samples);
        var order = new long[count];
        var key = new double[count];
        var first = Ranker.Priority[0];
        var plan = new int[allowed.Length];
        for (long ordinal = 0; ordinal < count; ordinal++)
        {
            if ((ordinal & 0x3FF) == 0) _cancellationToken.ThrowIfCancellationRequested();
            Decode(ordinal, plan);
            order[ordinal] = ordinal;
            key[ordinal] = first == PlanMetric.Cost ? _evaluator.CostMean(plan) : _evaluator.CarbonMean(plan, _hour);
        }
        if (PlanCandidate.IsExact(first)) Array.Sort(key, order);
        for (long i = 0; i < count; i++)
        {
            if ((i & 0x3FF) == 0) _cancellationToken.ThrowIfCancellationRequested();
            var next = new int[allowed.Length];
            Decode(order[i], next);
            Consider(next);
        }
    }

    /// <summary>
    /// Local search: from the home plan, every one-region plan, the per-step greedy plan and the
    /// previous hour's best (<paramref name="warmStart"/>), take the best move of one step, or of a
    /// step and one it needs together to one region, until none improves. Starts that break a hard
    /// constraint are judged but not searched from (home always is).
    /// </summary>
    public void Default(int[]? warmStart)
    {
        var starts = new List<PlanCandidate> { Best };
        if (warmStart != null) starts.Add(new PlanCandidate(_evaluator, warmStart, _hour));
        for (var r = 0; r < _samples.RegionNames.Length; r++) starts.Add(new PlanCandidate(_evaluator, OneRegionPlan(_samples, r), _hour));
        starts.Add(new PlanCandidate(_evaluator, Greedy(), _hour));
        foreach (var start in starts) Consider(start);

        var searched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in starts.OrderBy(s => s.Mean(PlanCandidate.IsExact(Ranker.Priority[0]) ? Ranker.Priority[0] : PlanMetric.Carbon)))
        {
            if (!searched.Add(PlanEvaluator.Key(start.Plan))) continue;
            if (!Ranker.Feasible(start) && !ReferenceEquals(start, Ranker.Home)) continue;
            if (_outOfTime())
            {
                Stopped = true;
                return;
            }
            Consider(Descend(start, searched));
        }
    }

    private PlanCandidate Descend(PlanCandidate current, HashSet<string> searched)
    {
        // Bounded because the tolerance makes "better" not quite transitive: a cycle must not spin forever.
        for (var round = 0; round < 100; round++)
        {
            PlanCandidate? best = null;
            foreach (var move in Moves(current))
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var reference = best ?? current;
                if (Ranker.CannotBeat(move.CarbonMean, move.CostMean, reference)) continue;
                var next = (int[])current.Plan.Clone();
                next[move.Step] = move.Region;
                if (move.Other >= 0) next[move.Other] = move.OtherRegion;
                var candidate = new PlanCandidate(_evaluator, next, _hour);
                if (Ranker.IsBetter(candidate, reference)) best = candidate;
            }
            if (best == null) return current;
            current = best;
            if (_outOfTime())
            {
                Stopped = true;
                return current;
            }
            // The moves are chosen the same way from the same plan: a plan an earlier descent passed through
            // leads where that one went, and its end has been considered already.
            if (!searched.Add(PlanEvaluator.Key(current.Plan))) return current;
        }
        return current;
    }

    /// <summary>
    /// The moves of one step, or of a step and one it needs, that may beat <paramref name="current"/> on
    /// their exact means (weighed from the change alone), best first by the exact first metric.
    /// </summary>
    private List<Move> Moves(PlanCandidate current)
    {
        var plan = current.Plan;
        var allowed = _samples.Allowed;
        var moves = new List<Move>();
        void Weigh(int step, int region, int other, int otherRegion)
        {
            var (carbon, cost) = _evaluator.MoveDelta(plan, _hour, step, region, other, otherRegion);
            var move = new Move(step, region, other, otherRegion, current.CarbonMean + carbon, current.CostMean + cost);
            if (!Ranker.CannotBeat(move.CarbonMean, move.CostMean, current)) moves.Add(move);
        }
        for (var step = 0; step < plan.Length; step++)
        {
            foreach (var r in allowed[step])
            {
                if (r != plan[step]) Weigh(step, r, -1, -1);
            }
        }
        // A step and one it needs move together to one region: the move one step alone cannot make
        // when going alone would put the output between them on a long or costly hop.
        for (var e = 0; e < _samples.EdgeFrom.Length; e++)
        {
            int a = _samples.EdgeFrom[e], b = _samples.EdgeTo[e];
            foreach (var r in allowed[a])
            {
                if (r != plan[a] && r != plan[b] && Array.IndexOf(allowed[b], r) >= 0) Weigh(a, r, b, r);
            }
        }
        var first = Ranker.Priority[0];
        if (first == PlanMetric.Carbon) moves.Sort((x, y) => x.CarbonMean.CompareTo(y.CarbonMean));
        if (first == PlanMetric.Cost) moves.Sort((x, y) => x.CostMean.CompareTo(y.CostMean));
        return moves;
    }

    /// <summary>Each step, on its own with the rest at home, where it does best on the first exact priority metric.</summary>
    private int[] Greedy()
    {
        var metric = Ranker.Priority.FirstOrDefault(PlanCandidate.IsExact);
        var home = HomePlan(_samples);
        var greedy = (int[])home.Clone();
        for (var step = 0; step < home.Length; step++)
        {
            var bestValue = double.PositiveInfinity;
            foreach (var r in _samples.Allowed[step])
            {
                var trial = (int[])home.Clone();
                trial[step] = r;
                var value = metric == PlanMetric.Cost ? _evaluator.CostMean(trial) : _evaluator.CarbonMean(trial, _hour);
                if (value < bestValue)
                {
                    bestValue = value;
                    greedy[step] = r;
                }
            }
        }
        return greedy;
    }

    /// <summary>How many plans the steps' region lists allow (saturating at long.MaxValue).</summary>
    public static long PlanCount(PlacementSamples samples)
    {
        long count = 1;
        foreach (var allowed in samples.Allowed)
        {
            if (count > long.MaxValue / allowed.Length) return long.MaxValue;
            count *= allowed.Length;
        }
        return count;
    }

    private void Decode(long ordinal, int[] plan)
    {
        var allowed = _samples.Allowed;
        for (var step = allowed.Length - 1; step >= 0; step--)
        {
            plan[step] = allowed[step][(int)(ordinal % allowed[step].Length)];
            ordinal /= allowed[step].Length;
        }
    }

    /// <summary>A step (and maybe a second) to a new region, with the plan's exact means after the move.</summary>
    private readonly struct Move
    {
        public Move(int step, int region, int other, int otherRegion, double carbonMean, double costMean)
        {
            Step = step;
            Region = region;
            Other = other;
            OtherRegion = otherRegion;
            CarbonMean = carbonMean;
            CostMean = costMean;
        }

        public int Step { get; }
        public int Region { get; }
        public int Other { get; }
        public int OtherRegion { get; }
        public double CarbonMean { get; }
        public double CostMean { get; }
    }
}
