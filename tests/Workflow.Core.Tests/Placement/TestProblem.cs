using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Tests.Placement;

/// <summary>Builds a PlacementProblem by hand, the way the builder would fill it from collected data.</summary>
internal sealed class TestProblem
{
    private readonly List<StepDefinition> _steps = new();
    private readonly Dictionary<string, StepProfile> _profiles = new();
    private readonly List<string> _regions = new();
    private readonly Dictionary<string, IReadOnlyList<double>> _carbon = new();
    private readonly Dictionary<string, RegionFacts> _facts = new();
    private readonly Dictionary<string, IReadOnlyList<string>> _stepRegions = new();
    private readonly Dictionary<string, Constraint> _hard = new();
    private readonly Dictionary<string, Constraint> _soft = new();
    private Func<string, string, (double Mean, double P95)> _latency = (a, b) => a == b ? (0.001, 0.001) : (0.05, 0.05);
    private double _bytesPerSecond = 1e8;
    private IReadOnlyList<string> _priority = Array.Empty<string>();

    public TestProblem(string home = "aws:home") => Home = home;

    public string Home { get; }

    /// <summary>A region with one carbon intensity all day, or a series of 24.</summary>
    public TestProblem Region(string name, double gramsPerKwh, double pue = 1.11) =>
        Region(name, Enumerable.Repeat(gramsPerKwh, 24).ToArray(), pue);

    public TestProblem Region(string name, double[] series, double pue = 1.11, double computePricePerGbSecond = PlacementModel.DefaultComputePricePerGbSecond)
    {
        _regions.Add(name);
        _carbon[name] = series;
        _facts[name] = new RegionFacts
        {
            Region = name,
            Pue = pue,
            ComputePricePerGbSecond = computePricePerGbSecond,
            RequestPrice = PlacementModel.DefaultRequestPrice,
            TransferPricePerGb = PlacementModel.DefaultTransferPricePerGb,
        };
        return this;
    }

    public TestProblem Step(
        string name, double[] runtimes, string[]? needs = null, double outputBytes = 0, double runProbability = 1,
        int[]? widths = null, int memoryMb = 1769, Dictionary<string, double[]>? runtimesByRegion = null)
    {
        _steps.Add(new StepDefinition { Name = name, Needs = needs ?? Array.Empty<string>(), Run = "s.ps1", MemoryMb = memoryMb, Foreach = widths != null ? "input.items" : null });
        var byRegion = new Dictionary<string, IReadOnlyList<double>> { [Home] = runtimes };
        foreach (var pair in runtimesByRegion ?? new()) byRegion[pair.Key] = pair.Value;
        _profiles[name] = new StepProfile
        {
            WorkflowId = "test-1.0.0",
            Step = name,
            RuntimeSeconds = byRegion,
            OutputBytes = new[] { outputBytes },
            RunProbability = runProbability,
            FanOutWidths = widths ?? Array.Empty<int>(),
            MemoryMb = memoryMb,
            Runs = 10,
        };
        return this;
    }

    public TestProblem Latency(Func<string, string, (double Mean, double P95)> latency, double bytesPerSecond = 1e8)
    {
        _latency = latency;
        _bytesPerSecond = bytesPerSecond;
        return this;
    }

    public TestProblem Regions(string step, params string[] regions)
    {
        _stepRegions[step] = regions;
        return this;
    }

    public TestProblem Hard(string metric, string type, double value)
    {
        _hard[metric] = new Constraint(type, value);
        return this;
    }

    public TestProblem Soft(string metric, string type, double value)
    {
        _soft[metric] = new Constraint(type, value);
        return this;
    }

    public TestProblem Priority(params string[] priority)
    {
        _priority = priority;
        return this;
    }

    public PlacementProblem Build()
    {
        var latencies = new Dictionary<string, RegionLatency>();
        foreach (var a in _regions)
        {
            foreach (var b in _regions)
            {
                var (mean, p95) = _latency(a, b);
                latencies[PlacementProblem.LatencyKey(a, b)] = new RegionLatency { From = a, To = b, MeanSeconds = mean, P95Seconds = p95, BytesPerSecond = _bytesPerSecond };
            }
        }
        return new PlacementProblem
        {
            Definition = new WorkflowDefinition
            {
                Name = "test",
                Version = "1.0.0",
                HomeRegion = Home,
                Constraints = new ConstraintSpec { Hard = _hard, Soft = _soft, Priority = _priority },
                Steps = _steps.ToArray(),
            },
            Home = Home,
            Regions = _regions.ToArray(),
            StepRegions = _steps.ToDictionary(s => s.Name, s => _stepRegions.TryGetValue(s.Name, out var r) ? r : (IReadOnlyList<string>)_regions.ToArray()),
            Facts = _facts,
            Carbon = _carbon,
            Latencies = latencies,
            Steps = _profiles,
            Assumptions = new[] { "from the test: runtimes measured at home only" },
            Sources = new[] { "test data" },
        };
    }
}
