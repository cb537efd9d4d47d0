using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Bench.Placement.Caribou;

/// <summary>
/// Port of Caribou's Monte Carlo deployment metrics calculator over a <see cref="PlacementProblem"/>:
/// <c>deployment_metrics_calculator.py</c> (_calculate_workflow: one simulated run of a plan),
/// <c>simple_deployment_metrics_calculator.py</c> (2,000 runs a plan, means and 95th percentiles) and
/// the input calculators (<c>runtime_calculator.py</c>, <c>carbon_calculator.py</c>, <c>cost_calculator.py</c>)
/// with DESIGN §7's formulas. A deployment is an array: step index (topological) → region index.
/// </summary>
internal sealed class CaribouMetricsCalculator
{
    private readonly Random _random;
    private readonly int _home;
    private readonly string[] _regions;
    private readonly int[][] _predecessors;
    private readonly int[][] _successors;
    private readonly double[] _runProbability;
    private readonly double[][][] _runtimeSamples; // step → region → seconds
    private readonly double[][] _outputBytes; // step → samples
    private readonly double[][][] _latencySamples; // from → to → seconds
    private readonly double[,] _bytesPerSecond;
    private readonly double[] _pue, _computePrice, _requestPrice, _transferPrice;
    private readonly double[] _kwPerSecond, _gbOfMemory; // per step: (CPU kW × vCPUs + memory kW × GB) / 3600
    private readonly double[][] _carbon; // region → 24 hours
    private double[] _intensity;

    public CaribouMetricsCalculator(PlacementProblem problem, IReadOnlyList<string> steps, Random random)
    {
        _random = random;
        _regions = problem.Regions.ToArray();
        _home = Array.IndexOf(_regions, problem.Home);
        var index = steps.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);
        var definitions = steps.Select(name => problem.Definition.FindStep(name)!).ToArray();
        _predecessors = definitions.Select(d => d.Needs.Select(n => index[n]).ToArray()).ToArray();
        _successors = steps.Select((_, i) => Enumerable.Range(0, steps.Count).Where(j => _predecessors[j].Contains(i)).ToArray()).ToArray();
        var profiles = steps.Select(name => problem.Steps[name]).ToArray();
        _runProbability = profiles.Select(p => p.RunProbability).ToArray();
        _outputBytes = profiles.Select(p => p.OutputBytes.Count > 0 ? p.OutputBytes.ToArray() : new[] { 0.0 }).ToArray();
        // runtime_calculator.py calculate_node_runtimes_and_data_transfer: a region without samples takes the home region's.
        _runtimeSamples = profiles.Select(p => _regions.Select(r =>
            (p.RuntimeSeconds.TryGetValue(r, out var own) && own.Count > 0 ? own : p.RuntimeSeconds[problem.Home]).ToArray()).ToArray()).ToArray();
        var memoryMb = profiles.Select((p, i) => (double)(p.MemoryMb > 0 ? p.MemoryMb : definitions[i].MemoryMb)).ToArray();
        _gbOfMemory = memoryMb.Select(mb => mb / 1024).ToArray();
        // carbon_calculator.py _get_execution_conversion_ratio: (average CPU power × vCPU + memory power × GB) / 3600.
        var cpuKw = CaribouModel.MinCpuPowerKw + CaribouModel.Utilisation * (CaribouModel.MaxCpuPowerKw - CaribouModel.MinCpuPowerKw);
        _kwPerSecond = memoryMb.Select(mb => (cpuKw * mb / CaribouModel.MemoryMbPerVcpu + CaribouModel.MemoryPowerKwPerGb * mb / 1024) / 3600).ToArray();
        var facts = _regions.Select(r => problem.Facts[r]).ToArray();
        _pue = facts.Select(f => f.Pue).ToArray();
        _computePrice = facts.Select(f => f.ComputePricePerGbSecond).ToArray();
        _requestPrice = facts.Select(f => f.RequestPrice).ToArray();
        _transferPrice = facts.Select(f => f.TransferPricePerGb).ToArray();
        _carbon = _regions.Select(r => problem.Carbon[r].ToArray()).ToArray();
        _latencySamples = new double[_regions.Length][][];
        _bytesPerSecond = new double[_regions.Length, _regions.Length];
        for (var a = 0; a < _regions.Length; a++)
        {
            _latencySamples[a] = new double[_regions.Length][];
            for (var b = 0; b < _regions.Length; b++)
            {
                var latency = problem.Latencies[PlacementProblem.LatencyKey(_regions[a], _regions[b])];
                _latencySamples[a][b] = LatencySamples.Of(latency);
                _bytesPerSecond[a, b] = latency.BytesPerSecond;
            }
        }
        _intensity = _carbon.Select(c => c[0]).ToArray();
    }

    public int StepCount => _predecessors.Length;

    public IReadOnlyList<string> Regions => _regions;

    /// <summary>input_manager.alter_carbon_setting(hour): the grid intensity of that UTC hour.</summary>
    public void UpdateDataForNewHour(int hour) => _intensity = _carbon.Select(c => c[hour]).ToArray();

    /// <summary>
    /// simple_deployment_metrics_calculator.py _perform_monte_carlo_simulation: batches of 200 up to
    /// 2,000. Its confidence-interval check only breaks out of its inner loop, never the outer one,
    /// so every plan gets all 2,000 samples; this port draws them without the dead check.
    /// </summary>
    public CaribouMetrics CalculateDeploymentMetrics(int[] deployment)
    {
        var cost = new double[CaribouModel.Samples];
        var runtime = new double[CaribouModel.Samples];
        var carbon = new double[CaribouModel.Samples];
        for (var i = 0; i < CaribouModel.Samples; i++)
        {
            (cost[i], runtime[i], carbon[i]) = CalculateWorkflow(deployment);
        }
        return new CaribouMetrics(
            carbon.Average(), runtime.Average(), cost.Average(),
            Percentile(carbon, CaribouModel.TailPercentile), Percentile(runtime, CaribouModel.TailPercentile), Percentile(cost, CaribouModel.TailPercentile));
    }

    /// <summary>deployment_metrics_calculator.py _calculate_workflow: one run of the plan, in step order.</summary>
    internal (double Cost, double Runtime, double Carbon) CalculateWorkflow(int[] deployment)
    {
        var cost = 0.0;
        var carbon = 0.0;
        var count = deployment.Length;
        var invoked = new bool[count];
        var invokedBy = new bool[count, count]; // invoked_child_dictionary: parent → children it invoked
        var cumulative = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (_predecessors[i].Length == 0) invoked[i] = true; // the entry point is always invoked
        }
        for (var i = 0; i < count; i++)
        {
            if (!invoked[i]) continue;
            var region = deployment[i];
            var arrival = 0.0;
            if (_predecessors[i].Length == 0)
            {
                // The start hop: from the home region to the entry point's region, the run's input (assumed: 0 bytes).
                arrival = Draw(_latencySamples[_home][region]);
                (var hopCost, var hopCarbon) = Transmission(_home, region, 0);
                cost += hopCost;
                carbon += hopCarbon;
            }
            else
            {
                foreach (var parent in _predecessors[i])
                {
                    if (!invokedBy[parent, i]) continue;
                    var from = deployment[parent];
                    // runtime_calculator.py calculate_transmission_size_and_latency: a size, then a latency, each drawn.
                    var bytes = Draw(_outputBytes[parent]);
                    var latency = Draw(_latencySamples[from][region]) + bytes / _bytesPerSecond[from, region];
                    (var edgeCost, var edgeCarbon) = Transmission(from, region, bytes);
                    cost += edgeCost;
                    carbon += edgeCarbon;
                    arrival = Math.Max(arrival, cumulative[parent] + latency);
                }
            }
            var seconds = Draw(_runtimeSamples[i][region]);
            // cost_calculator.py _calculate_execution_cost: compute price × GB × s + the invocation.
            cost += _computePrice[region] * _gbOfMemory[i] * seconds + _requestPrice[region];
            // carbon_calculator.py _calculate_execution_carbon: s × kW factor × PUE × grid intensity.
            carbon += seconds * _kwPerSecond[i] * _pue[region] * _intensity[region];
            cumulative[i] = arrival + seconds;
            foreach (var child in _successors[i])
            {
                // deployment_metrics_calculator.py _is_invoked: random.random() < invocation probability.
                if (_random.NextDouble() < _runProbability[child])
                {
                    invoked[child] = true;
                    invokedBy[i, child] = true;
                }
            }
        }
        return (cost, cumulative.Max(), carbon);
    }

    private (double Cost, double Carbon) Transmission(int from, int to, double bytes)
    {
        var gb = bytes / CaribouModel.BytesPerGb;
        // carbon_calculator.py _calculate_data_transfer_carbon: the mean intensity of the route, intra-region transfer counted too.
        var carbon = gb * CaribouModel.TransmissionKwhPerGb * (_intensity[from] + _intensity[to]) / 2;
        // cost_calculator.py _calculate_data_transfer_cost: egress only when the data leaves the region.
        var cost = from == to ? 0 : gb * _transferPrice[from];
        return (cost, carbon);
    }

    private double Draw(double[] samples) => samples[DrawIndex(_random.NextDouble(), samples.Length)];

    /// <summary>
    /// Caribou's draw, copied with its slip: <c>distribution[int(random.random() * (len(distribution) - 1))]</c>
    /// (runtime_calculator.py at 02e8513c, ~lines 83 and 100 for size and latency, and in
    /// calculate_node_runtimes_and_data_transfer for the runtime) never reaches the last element.
    /// </summary>
    internal static int DrawIndex(double uniform, int count) => (int)(uniform * (count - 1));

    /// <summary>numpy.percentile's default (linear interpolation between the closest ranks).</summary>
    internal static double Percentile(double[] values, double percentile)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var rank = percentile / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
    }
}
