using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Placement;

namespace Workflow.Bench.Placement.Caribou;

/// <summary>
/// Port of Caribou's default solver as its code runs: <c>deployment_algorithms/deployment_algorithm.py</c>
/// (run: per hour, the home plan's metrics, the algorithm, the ranker, the first ranked plan) and
/// <c>stochastic_heuristic_deployment_algorithm.py</c> (at 0bed517c; line numbers below are that file's).
/// Its slips are copied on purpose, each marked where it happens: this is the baseline, not the product.
/// </summary>
internal sealed class StochasticHeuristic
{
    private readonly Random _random;
    private readonly CaribouMetricsCalculator _calculator;
    private readonly CaribouRanker _ranker;
    private readonly int _homeRegion;
    private readonly int _instances;
    private readonly int[][] _permittedRegions;
    private readonly int _regionCount;

    // _setup (lines 15-29): set once per algorithm object, NOT per hour: temperature keeps cooling and
    // bias regions keep accumulating across the hours run() loops over (as Caribou's run() does).
    private double _temperature = 1.0;
    private readonly SortedSet<int> _biasRegions = new();
    private const double BiasProbability = 0.2;

    private int[] _homeDeployment = Array.Empty<int>();
    private CaribouMetrics _homeMetrics = new(0, 0, 0, 0, 0, 0);
    private CaribouMetrics _bestMetrics = new(0, 0, 0, 0, 0, 0);

    public StochasticHeuristic(PlacementProblem problem, int seed)
    {
        _random = new Random(seed);
        Steps = TopologicalOrder(problem);
        _calculator = new CaribouMetricsCalculator(problem, Steps, _random);
        _ranker = new CaribouRanker(problem.Definition.Constraints);
        _homeRegion = problem.Regions.ToList().IndexOf(problem.Home);
        _instances = Steps.Count;
        _regionCount = problem.Regions.Count;
        _permittedRegions = Steps.Select(step => problem.StepRegions[step].Select(r => problem.Regions.ToList().IndexOf(r)).ToArray()).ToArray();
        // line 17: int(N × 0.2 + 1) steps move per iteration.
        LearningRate = (int)(_instances * 0.2 + 1);
        // lines 18-22: |R| × N × 3 iterations.
        Iterations = _regionCount * _instances * 3;
        // lines 27-29: the plan count, for the early stop at line 61.
        MaxCombinations = _permittedRegions.Aggregate(1L, (product, regions) => product * regions.Length);
    }

    /// <summary>The steps in Caribou's instance order (topological, the definition's order among equals).</summary>
    public IReadOnlyList<string> Steps { get; }

    public int LearningRate { get; }

    public int Iterations { get; }

    public long MaxCombinations { get; }

    public double Temperature => _temperature;

    public CaribouMetricsCalculator Calculator => _calculator;

    /// <summary>deployment_algorithm.py run(hours_to_run): the selected plan of each hour, step → region index.</summary>
    public IReadOnlyList<(int Hour, int[] Deployment, CaribouMetrics Metrics)> Run(IEnumerable<int> hours)
    {
        var selected = new List<(int, int[], CaribouMetrics)>();
        foreach (var hour in hours)
        {
            UpdateDataForNewHour(hour);
            var ranked = _ranker.Rank(RunAlgorithm());
            // deployment_algorithm.py _select_deployment: the first ranked plan.
            selected.Add((hour, ranked[0].Deployment, ranked[0].Metrics));
        }
        return selected;
    }

    private void UpdateDataForNewHour(int hour)
    {
        _calculator.UpdateDataForNewHour(hour);
        _homeDeployment = Enumerable.Repeat(_homeRegion, _instances).ToArray();
        _homeMetrics = _calculator.CalculateDeploymentMetrics(_homeDeployment);
        _ranker.UpdateHomeDeploymentMetrics(_homeMetrics);
    }

    private List<(int[] Deployment, CaribouMetrics Metrics)> RunAlgorithm()
    {
        // lines 31-39.
        _bestMetrics = _homeMetrics;
        var deployments = GenerateAllPossibleCoarseDeployments();
        if (deployments.Count == 0) deployments.Add((_homeDeployment, _homeMetrics));
        GenerateStochasticHeuristicDeployments(deployments);
        return deployments;
    }

    private void GenerateStochasticHeuristicDeployments(List<(int[] Deployment, CaribouMetrics Metrics)> deployments)
    {
        // lines 41-62. The walk starts at home, not at the best one-region plan.
        var current = (int[])_homeDeployment.Clone();
        var generated = new HashSet<string>(deployments.Select(d => Key(d.Deployment)));
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var candidate = GenerateNewDeployment(current);
            // line 47: a plan seen before is skipped, and the temperature does not cool for it.
            if (generated.Contains(Key(candidate))) continue;
            var metrics = _calculator.CalculateDeploymentMetrics(candidate);
            if (IsHardConstraintFailed(metrics)) continue;
            if (IsImprovement(metrics, candidate, current))
            {
                // lines 54-57: an accepted plan joins the ranked list even when it is worse than current.
                current = candidate;
                deployments.Add((current, metrics));
                generated.Add(Key(current));
            }
            _temperature *= 0.99; // line 59
            if (deployments.Count >= MaxCombinations) break; // line 61
        }
    }

    private List<(int[] Deployment, CaribouMetrics Metrics)> GenerateAllPossibleCoarseDeployments()
    {
        // lines 64-93: every one-region plan the pins allow and the hard constraints pass (home's metrics
        // recomputed, not reused, unlike coarse_grained_deployment_algorithm.py).
        var deployments = new List<(int[], CaribouMetrics)>();
        for (var region = 0; region < _regionCount; region++)
        {
            if (_permittedRegions.Any(permitted => !permitted.Contains(region))) continue;
            var deployment = Enumerable.Repeat(region, _instances).ToArray();
            var metrics = _calculator.CalculateDeploymentMetrics(deployment);
            if (IsHardConstraintFailed(metrics)) continue;
            var first = _ranker.NumberOnePriority;
            if (metrics.Average(first) < _bestMetrics.Average(first))
            {
                _bestMetrics = metrics;
                StoreBiasRegions(deployment, _homeDeployment);
            }
            deployments.Add((deployment, metrics));
        }
        return deployments;
    }

    private bool IsHardConstraintFailed(CaribouMetrics metrics) => _ranker.IsHardConstraintFailed(metrics, _homeMetrics);

    private void StoreBiasRegions(int[] candidate, int[] current)
    {
        // lines 98-101: every region a step moved to counts as one that "did well".
        for (var instance = 0; instance < candidate.Length; instance++)
        {
            if (candidate[instance] != current[instance]) _biasRegions.Add(candidate[instance]);
        }
    }

    private bool IsImprovement(CaribouMetrics candidate, int[] candidateDeployment, int[] current)
    {
        // lines 103-118: better than the best so far on the first priority only (float <, no tolerance).
        var first = _ranker.NumberOnePriority;
        if (candidate.Average(first) < _bestMetrics.Average(first))
        {
            _bestMetrics = candidate;
            StoreBiasRegions(candidateDeployment, current);
            return true;
        }
        return _random.NextDouble() < AcceptanceProbability();
    }

    /// <summary>
    /// lines 120-133, the slip copied: the "Boltzmann" probability compares the HOME plan's metric with
    /// the temperature, min(1, 2^(−|home − T| / T)); the candidate's own metric never enters it.
    /// </summary>
    internal double AcceptanceProbability() => _temperature == 0
        ? 1.0
        : Math.Min(1.0, Math.Pow(2.0, -Math.Abs(_homeMetrics.Average(_ranker.NumberOnePriority) - _temperature) / _temperature));

    private int[] GenerateNewDeployment(int[] current)
    {
        // lines 135-140: int(0.2N + 1) draws of a step (randint(0, N − 1), repeats allowed), each to a new region.
        var candidate = (int[])current.Clone();
        for (var move = 0; move < LearningRate; move++)
        {
            var instance = _random.Next(_instances);
            candidate[instance] = ChooseNewRegion(instance);
        }
        return candidate;
    }

    private int ChooseNewRegion(int instance)
    {
        // lines 142-152: 20% of the time one of the bias regions the step may use, else any it may use.
        var permitted = _permittedRegions[instance];
        if (_random.NextDouble() < BiasProbability && _biasRegions.Count > 0)
        {
            var possible = _biasRegions.Where(permitted.Contains).ToArray();
            if (possible.Length > 0) return possible[_random.Next(possible.Length)];
            return permitted[_random.Next(permitted.Length)];
        }
        return permitted[_random.Next(permitted.Length)];
    }

    private static string Key(int[] deployment) => string.Join(",", deployment);

    /// <summary>Kahn's order over the needs, ties in the definition's order (Caribou's instance indexer is topological).</summary>
    internal static IReadOnlyList<string> TopologicalOrder(PlacementProblem problem)
    {
        var order = new List<string>();
        var remaining = problem.Definition.Steps.ToList();
        while (remaining.Count > 0)
        {
            var next = remaining.First(step => step.Needs.All(order.Contains));
            order.Add(next.Name);
            remaining.Remove(next);
        }
        return order;
    }
}
