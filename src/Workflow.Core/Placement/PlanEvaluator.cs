using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// The figures of a plan (where each step runs) for runs started in one hour: carbon, cost and
/// runtime, mean and 95th percentile over Monte Carlo samples of the step runtimes, output sizes,
/// latencies, conditional runs and fan-out widths (DESIGN §7). Every plan is evaluated on the same
/// samples (common random numbers), so two plans compare on their placement alone and the same
/// seed gives the same figures. Runtime is the critical path: a step starts when the output of
/// its last need that ran has arrived (need's finish + latency + size / throughput); a run starts
/// at home and ends when its last step's end has reached home.
/// Carbon and cost means are also given exactly (without a pass over the samples) because they
/// add up over steps and edges: the solver searches on those. One evaluator serves one thread
/// (it reuses its buffers and caches each plan's runtime and cost).
/// </summary>
public sealed class PlanEvaluator
{
    // z of the 95th percentile of the standard normal, for fitting latencies to mean and p95.
    private const double Z95 = 1.6448536269514722;

    private readonly PlacementSamples _samples;
    private readonly int _regions;
    private readonly double[] _pue;
    private readonly double[][] _carbon;
    private readonly double[] _computePrice;
    private readonly double[] _requestPrice;
    private readonly double[] _transferPrice;
    private readonly double[] _latencyMu;
    private readonly double[] _latencySigma;
    private readonly double[] _bytesPerSecond;
    private readonly double[] _stepKwPerSecond;
    // [edge][from region × regions + to region] → per-sample delay (latency + transfer), made when first used.
    private readonly double[][][] _delays;
    // [step][region] → per-sample latency of the hop from home that starts a first step, and of the one reporting a step's end home.
    private readonly double[][][] _fromHome;
    private readonly double[][][] _toHome;
    private readonly Dictionary<string, PlanFigure> _runtimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PlanFigure> _costs = new(StringComparer.Ordinal);
    private readonly double[][] _finish;
    private readonly double[] _values;

    public PlanEvaluator(PlacementProblem problem, int samples = 2000, int seed = 1)
    {
        _samples = new PlacementSamples(problem ?? throw new ArgumentNullException(nameof(problem)), samples, seed);
        var names = _samples.RegionNames;
        _regions = names.Length;
        _pue = new double[_regions];
        _carbon = new double[_regions][];
        _computePrice = new double[_regions];
        _requestPrice = new double[_regions];
        _transferPrice = new double[_regions];
        for (var r = 0; r < _regions; r++)
        {
            if (!problem.Carbon.TryGetValue(names[r], out var series) || series.Count < 24)
                throw Missing($"region '{names[r]}' has no carbon intensity for each of the 24 hours");
            _carbon[r] = series.ToArray();
            if (problem.Facts.TryGetValue(names[r], out var facts))
            {
                _pue[r] = facts.Pue > 0 ? facts.Pue : PlacementModel.DefaultPue;
                _computePrice[r] = facts.ComputePricePerGbSecond;
                _requestPrice[r] = facts.RequestPrice;
                _transferPrice[r] = facts.TransferPricePerGb;
            }
            else
            {
                _pue[r] = PlacementModel.DefaultPue;
                _computePrice[r] = PlacementModel.DefaultComputePricePerGbSecond;
                _requestPrice[r] = PlacementModel.DefaultRequestPrice;
                _transferPrice[r] = PlacementModel.DefaultTransferPricePerGb;
                _samples.Assumptions.Add($"assumed: {names[r]} has PUE {PlacementModel.DefaultPue} and Caribou's default prices (no provider facts)");
            }
        }
        _latencyMu = new double[_regions * _regions];
        _latencySigma = new double[_regions * _regions];
        _bytesPerSecond = new double[_regions * _regions];
        for (var a = 0; a < _regions; a++)
        {
            for (var b = 0; b < _regions; b++)
            {
                if (!problem.Latencies.TryGetValue(PlacementProblem.LatencyKey(names[a], names[b]), out var latency))
                    throw Missing($"no latency from '{names[a]}' to '{names[b]}'");
                (_latencyMu[a * _regions + b], _latencySigma[a * _regions + b]) = LogNormal(latency.MeanSeconds, latency.P95Seconds);
                _bytesPerSecond[a * _regions + b] = latency.BytesPerSecond;
            }
        }
        _samples.Assumptions.Add($"assumed: latency between two regions is lognormal with the collected mean and p95; Monte Carlo over {samples} samples (seed {seed}), the same for every plan");
        _samples.Assumptions.Add("assumed: a run starts and ends at home: a first step waits one latency from home, and the run ends when the last step's end has reached home (one latency back)");
        _samples.Assumptions.Add("not modelled: the time, carbon and cost of moving the run's input to a first step away from home, or its results back (their sizes are not collected)");
        _stepKwPerSecond = _samples.MemoryMb.Select(m => PlacementModel.StepPowerKw(m) / 3600).ToArray();
        _delays = new double[_samples.EdgeFrom.Length][][];
        for (var e = 0; e < _delays.Length; e++) _delays[e] = new double[_regions * _regions][];
        _fromHome = _samples.StepNames.Select(_ => new double[_regions][]).ToArray();
        _toHome = _samples.StepNames.Select(_ => new double[_regions][]).ToArray();
        _finish = new double[_samples.StepNames.Length][];
        for (var i = 0; i < _finish.Length; i++) _finish[i] = new double[samples];
        _values = new double[samples];
    }

    public PlacementProblem Problem => _samples.Problem;
    public int SampleCount => _samples.SampleCount;
    internal PlacementSamples Samples => _samples;
    /// <summary>What the figures rest on that is not data.</summary>
    public IReadOnlyList<string> Assumptions => _samples.Assumptions;

    /// <summary>The figures of the plan for runs started at <paramref name="hour"/> (0..23, UTC).</summary>
    /// <param name="placement">Per step of <c>Definition.Steps</c>, in order, an index into <c>Problem.Regions</c>.</param>
    public PlanFigures Evaluate(IReadOnlyList<int> placement, int hour)
    {
        var plan = Check(placement, hour);
        return new PlanFigures(CarbonFigure(plan, hour), CostFigure(plan), RuntimeFigure(plan));
    }

    /// <summary>Mean grams per run, exactly the mean over the samples, without a pass over them.</summary>
    internal double CarbonMean(int[] plan, int hour)
    {
        var total = 0.0;
        for (var step = 0; step < plan.Length; step++) total += StepCarbon(step, plan[step], hour);
        for (var e = 0; e < _samples.EdgeFrom.Length; e++) total += EdgeCarbon(e, plan[_samples.EdgeFrom[e]], plan[_samples.EdgeTo[e]], hour);
        return total;
    }

    /// <summary>Mean USD per run, exactly the mean over the samples (prices do not change by the hour).</summary>
    internal double CostMean(int[] plan)
    {
        var total = 0.0;
        for (var step = 0; step < plan.Length; step++) total += StepCost(step, plan[step]);
        for (var e = 0; e < _samples.EdgeFrom.Length; e++) total += EdgeCost(e, plan[_samples.EdgeFrom[e]], plan[_samples.EdgeTo[e]]);
        return total;
    }

    /// <summary>
    /// How the exact carbon and cost means change when <paramref name="step"/> moves to <paramref name="region"/>
    /// (and <paramref name="other"/>, when not −1, to <paramref name="otherRegion"/>): only the terms of the
    /// moved steps and their edges, so a search can weigh thousands of moves for the price of a few plans.
    /// </summary>
    internal (double Carbon, double Cost) MoveDelta(int[] plan, int hour, int step, int region, int other, int otherRegion)
    {
        var s = _samples;
        var carbon = StepCarbon(step, region, hour) - StepCarbon(step, plan[step], hour);
        var cost = StepCost(step, region) - StepCost(step, plan[step]);
        if (other >= 0)
        {
            carbon += StepCarbon(other, otherRegion, hour) - StepCarbon(other, plan[other], hour);
            cost += StepCost(other, otherRegion) - StepCost(other, plan[other]);
        }
        for (var pass = 0; pass < (other >= 0 ? 2 : 1); pass++)
        {
            foreach (var e in s.EdgesOf[pass == 0 ? step : other])
            {
                int from = s.EdgeFrom[e], to = s.EdgeTo[e];
                if (pass == 1 && (from == step || to == step)) continue; // counted in the first pass
                int oldFrom = plan[from], oldTo = plan[to];
                var newFrom = from == step ? region : from == other ? otherRegion : oldFrom;
                var newTo = to == step ? region : to == other ? otherRegion : oldTo;
                carbon += EdgeCarbon(e, newFrom, newTo, hour) - EdgeCarbon(e, oldFrom, oldTo, hour);
                cost += EdgeCost(e, newFrom, newTo) - EdgeCost(e, oldFrom, oldTo);
            }
        }
        return (carbon, cost);
    }

    private double StepCarbon(int step, int region, int hour) =>
        _samples.BusyMean[step][region] * _stepKwPerSecond[step] * _pue[region] * _carbon[region][hour];

    private double StepCost(int step, int region) =>
        _samples.BusyMean[step][region] * _computePrice[region] * _samples.MemoryMb[step] / PlacementModel.MemoryMbPerGb + _samples.ItemsMean[step] * _requestPrice[region];

    private double EdgeCarbon(int edge, int from, int to, int hour) =>
        PlacementModel.TransmissionCarbonGrams(_samples.EdgeBytesMean[edge] / PlacementModel.BytesPerGb, _carbon[from][hour], _carbon[to][hour]);

    private double EdgeCost(int edge, int from, int to) =>
        PlacementModel.TransferCostUsd(_samples.EdgeBytesMean[edge] / PlacementModel.BytesPerGb, _transferPrice[from], from == to);

    internal PlanFigure CarbonFigure(int[] plan, int hour)
    {
        var s = _samples;
        var values = _values;
        Array.Clear(values, 0, values.Length);
        for (var step = 0; step < plan.Length; step++)
        {
            var r = plan[step];
            var factor = _stepKwPerSecond[step] * _pue[r] * _carbon[r][hour];
            var busy = s.Busy[step][r];
            for (var i = 0; i < values.Length; i++) values[i] += busy[i] * factor;
        }
        for (var e = 0; e < s.EdgeFrom.Length; e++)
        {
            var factor = PlacementModel.TransmissionCarbonGrams(1 / PlacementModel.BytesPerGb, _carbon[plan[s.EdgeFrom[e]]][hour], _carbon[plan[s.EdgeTo[e]]][hour]);
            var bytes = s.EdgeBytes[e];
            for (var i = 0; i < values.Length; i++) values[i] += bytes[i] * factor;
        }
        return Figure(values);
    }

    /// <summary>Cost does not depend on the hour: worked out once per plan.</summary>
    internal PlanFigure CostFigure(int[] plan)
    {
        var key = Key(plan);
        if (_costs.TryGetValue(key, out var known)) return known;
        var s = _samples;
        var values = _values;
        Array.Clear(values, 0, values.Length);
        for (var step = 0; step < plan.Length; step++)
        {
            var r = plan[step];
            var perSecond = _computePrice[r] * s.MemoryMb[step] / PlacementModel.MemoryMbPerGb;
            var busy = s.Busy[step][r];
            var items = s.Items[step];
            for (var i = 0; i < values.Length; i++) values[i] += busy[i] * perSecond + items[i] * _requestPrice[r];
        }
        for (var e = 0; e < s.EdgeFrom.Length; e++)
        {
            var from = plan[s.EdgeFrom[e]];
            var perByte = PlacementModel.TransferCostUsd(1 / PlacementModel.BytesPerGb, _transferPrice[from], from == plan[s.EdgeTo[e]]);
            if (perByte == 0) continue;
            var bytes = s.EdgeBytes[e];
            for (var i = 0; i < values.Length; i++) values[i] += bytes[i] * perByte;
        }
        return _costs[key] = Figure(values);
    }

    /// <summary>Runtime does not depend on the hour: the critical path is worked out once per plan.</summary>
    internal PlanFigure RuntimeFigure(int[] plan)
    {
        var key = Key(plan);
        if (_runtimes.TryGetValue(key, out var known)) return known;
        var s = _samples;
        var total = _values;
        Array.Clear(total, 0, total.Length);
        foreach (var step in s.Order)
        {
            var finish = _finish[step];
            var ran = s.Ran[step];
            var duration = s.Duration[step][plan[step]];
            Array.Clear(finish, 0, finish.Length);
            // A run starts at home: a first step waits for the hop from home to its region.
            if (s.EdgesInto[step].Length == 0) Array.Copy(HomeHop(step, plan[step], toHome: false), finish, finish.Length);
            foreach (var e in s.EdgesInto[step])
            {
                var arrived = _finish[s.EdgeFrom[e]];
                var live = s.EdgeLive[e];
                var delay = Delay(e, plan[s.EdgeFrom[e]], plan[step]);
                for (var i = 0; i < finish.Length; i++)
                {
                    // finish holds the start until the duration is added below.
                    if (live[i] && arrived[i] + delay[i] > finish[i]) finish[i] = arrived[i] + delay[i];
                }
            }
            // The run ends when the last step's end has been reported home.
            var report = HomeHop(step, plan[step], toHome: true);
            for (var i = 0; i < finish.Length; i++)
            {
                if (!ran[i]) continue;
                finish[i] += duration[i];
                if (finish[i] + report[i] > total[i]) total[i] = finish[i] + report[i];
            }
        }
        return _runtimes[key] = Figure(total);
    }

    internal static string Key(int[] plan)
    {
        var chars = new char[plan.Length];
        for (var i = 0; i < plan.Length; i++) chars[i] = (char)plan[i];
        return new string(chars);
    }

    private double[] Delay(int edge, int from, int to)
    {
        var pair = from * _regions + to;
        var known = _delays[edge][pair];
        if (known != null) return known;
        var s = _samples;
        var z = s.LatencyZ[edge];
        var bytes = s.OutputBytes[s.EdgeFrom[edge]];
        var bytesPerSecond = _bytesPerSecond[pair];
        var delay = new double[z.Length];
        for (var i = 0; i < delay.Length; i++) delay[i] = Latency(pair, z[i]) + (bytesPerSecond > 0 ? bytes[i] / bytesPerSecond : 0);
        return _delays[edge][pair] = delay;
    }

    /// <summary>Per sample, the latency between home and the step's region (no data: the run's input and results are not sized).</summary>
    private double[] HomeHop(int step, int region, bool toHome)
    {
        var cache = toHome ? _toHome : _fromHome;
        var known = cache[step][region];
        if (known != null) return known;
        var home = _samples.HomeIndex;
        var pair = toHome ? region * _regions + home : home * _regions + region;
        var z = toHome ? _samples.EndZ[step] : _samples.StartZ[step];
        var hop = new double[z.Length];
        for (var i = 0; i < hop.Length; i++) hop[i] = Latency(pair, z[i]);
        return cache[step][region] = hop;
    }

    private double Latency(int pair, double z) =>
        double.IsNegativeInfinity(_latencyMu[pair]) ? 0 : Math.Exp(_latencyMu[pair] + _latencySigma[pair] * z);

    /// <summary>μ and σ of the lognormal with the mean and p95 given (σ = 0: always the mean).</summary>
    internal static (double Mu, double Sigma) LogNormal(double mean, double p95)
    {
        if (mean <= 0) return (double.NegativeInfinity, 0);
        if (p95 <= mean) return (Math.Log(mean), 0);
        // mean = e^(μ+σ²/2), p95 = e^(μ+zσ)  ⇒  σ²/2 − zσ + ln(p95/mean) = 0; the smaller root, capped at z.
        var d = Math.Log(p95 / mean);
        var discriminant = Z95 * Z95 - 2 * d;
        var sigma = discriminant > 0 ? Z95 - Math.Sqrt(discriminant) : Z95;
        return (Math.Log(mean) - sigma * sigma / 2, sigma);
    }

    /// <summary>Mean and 95th percentile (linear between order statistics, as numpy's default). Reorders <paramref name="values"/>.</summary>
    internal static PlanFigure Figure(double[] values)
    {
        var mean = values.Average();
        var position = 0.95 * (values.Length - 1);
        var lower = (int)Math.Floor(position);
        var low = Select(values, lower);
        var high = low;
        if (lower + 1 < values.Length)
        {
            // After selection everything above index lower is ≥ it: the next order statistic is their minimum.
            high = double.PositiveInfinity;
            for (var i = lower + 1; i < values.Length; i++) high = Math.Min(high, values[i]);
        }
        return new PlanFigure(mean, low + (position - lower) * (high - low));
    }

    // Hoare's quickselect: the k-th smallest in O(n), leaving smaller values before k and larger after.
    private static double Select(double[] values, int k)
    {
        int left = 0, right = values.Length - 1;
        while (left < right)
        {
            var pivot = values[(left + right) >> 1];
            int i = left, j = right;
            while (i <= j)
            {
                while (values[i] < pivot) i++;
                while (values[j] > pivot) j--;
                if (i > j) break;
                (values[i], values[j]) = (values[j], values[i]);
                i++;
                j--;
            }
            if (k <= j) right = j;
            else if (k >= i) left = i;
            else break;
        }
        return values[k];
    }

    private int[] Check(IReadOnlyList<int> placement, int hour)
    {
        if (placement == null) throw new ArgumentNullException(nameof(placement));
        if (placement.Count != _samples.StepNames.Length)
            throw new ArgumentException($"A plan places each of the {_samples.StepNames.Length} steps; this one places {placement.Count}.", nameof(placement));
        if (hour < 0 || hour > 23) throw new ArgumentOutOfRangeException(nameof(hour), hour, "An hour of the day is 0..23 (UTC).");
        var plan = placement.ToArray();
        foreach (var r in plan)
        {
            if (r < 0 || r >= _regions) throw new ArgumentOutOfRangeException(nameof(placement), r, $"A region index is 0..{_regions - 1} (Problem.Regions).");
        }
        return plan;
    }

    private WorkflowException Missing(string what) => new(
        WorkflowErrors.PlacementDataMissing,
        $"The placement problem of workflow '{Problem.Definition.WorkflowId}' is incomplete: {what}. Run Invoke-DataCollector -Collector All, then Find-WorkflowDeployment again.",
        Problem.Definition.WorkflowId);
}
