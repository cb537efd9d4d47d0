using System;
using System.Collections.Generic;

namespace Workflow.Model;

// The records of carbon-aware placement (DESIGN §7) that users see: what Invoke-DataCollector
// collects and Find-WorkflowDeployment plans. Every figure names its Source; a figure that is an
// assumption rather than data says so in its Source ("assumed: ...").

/// <summary>What a collector gathers (Invoke-DataCollector -Collector).</summary>
public enum DataCollector
{
    Provider,
    Carbon,
    Performance,
    Workflow,
    All,
}

/// <summary>How the placement solver searches (Find-WorkflowDeployment -Algorithm).</summary>
public enum PlacementAlgorithm
{
    /// <summary>Local search from good starts: fast, and exact on every problem we could check.</summary>
    Default,
    /// <summary>Every plan: exact, for problems of at most the solver's exhaustive limit (100,000) plans.</summary>
    Exhaustive,
    /// <summary>Caribou's coarse-grained algorithm: the best plan that puts every step in one region.</summary>
    Coarse,
}

/// <summary>A cloud region as the provider collector knows it: place, grid zone, PUE and prices.</summary>
public sealed record RegionFacts
{
    public string Region { get; init; } = "";
    public string Location { get; init; } = "";
    public double Latitude { get; init; }
    public double Longitude { get; init; }
    /// <summary>Electricity Maps zone id (US-MIDA-PJM); null where the source maps none.</summary>
    public string? Zone { get; init; }
    /// <summary>Power usage effectiveness; 1.11 (Caribou's) where the provider publishes none (PueSource says).</summary>
    public double Pue { get; init; }
    public string PueSource { get; init; } = "";
    /// <summary>USD per GB-second of memory allocated (Lambda-style compute price).</summary>
    public double ComputePricePerGbSecond { get; init; }
    /// <summary>USD per request (invocation or task).</summary>
    public double RequestPrice { get; init; }
    /// <summary>USD per GB leaving the region for another region.</summary>
    public double TransferPricePerGb { get; init; }
    public string PriceSource { get; init; } = "";
    public string Source { get; init; } = "";
    public DateTimeOffset CollectedAt { get; init; }
}

/// <summary>Grid carbon intensity of a region at one hour of the day (UTC) of the forecast day.</summary>
public sealed record CarbonIntensity
{
    public string Region { get; init; } = "";
    public string? Zone { get; init; }
    /// <summary>0..23, UTC.</summary>
    public int Hour { get; init; }
    /// <summary>gCO2eq per kWh, lifecycle (Electricity Maps' default, as Caribou uses).</summary>
    public double GramsPerKwh { get; init; }
    /// <summary>The day the figure is for (its forecast date, UTC).</summary>
    public DateTimeOffset ForDate { get; init; }
    /// <summary>Where it came from and how it was made ("Electricity Maps hourly 2024 (green-dcc), mean of 2024-11-24..2024-11-30 at 13:00").</summary>
    public string Source { get; init; } = "";
    /// <summary>True when one annual value stands for every hour (no hourly series for the zone).</summary>
    public bool Flat { get; init; }
    public DateTimeOffset CollectedAt { get; init; }
}

/// <summary>Time for a message to go from one region to another, and throughput for data.</summary>
public sealed record RegionLatency
{
    public string From { get; init; } = "";
    public string To { get; init; } = "";
    /// <summary>Seconds, one way.</summary>
    public double MeanSeconds { get; init; }
    /// <summary>Seconds, one way, 95th percentile.</summary>
    public double P95Seconds { get; init; }
    /// <summary>Bytes per second for a step's output moving between the two.</summary>
    public double BytesPerSecond { get; init; }
    /// <summary>Measured, imported, or the model it came from ("modelled: great-circle ...").</summary>
    public string Source { get; init; } = "";
    public DateTimeOffset CollectedAt { get; init; }
}

/// <summary>What the runs of a workflow say about one of its steps (the workflow collector).</summary>
public sealed record StepProfile
{
    public string WorkflowId { get; init; } = "";
    public string Step { get; init; } = "";
    /// <summary>Runtime samples in seconds (per attempt that succeeded, per item for foreach), by the region that ran them ("local" for this machine).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> RuntimeSeconds { get; init; } = new Dictionary<string, IReadOnlyList<double>>();
    /// <summary>Bytes of the step's output, per run it Succeeded in.</summary>
    public IReadOnlyList<double> OutputBytes { get; init; } = Array.Empty<double>();
    /// <summary>Of the runs that reached the step, the fraction in which it ran (1 for a step without <c>if</c>).</summary>
    public double RunProbability { get; init; } = 1;
    /// <summary>Item counts of a foreach step, per run; empty otherwise.</summary>
    public IReadOnlyList<int> FanOutWidths { get; init; } = Array.Empty<int>();
    public int MemoryMb { get; init; }
    /// <summary>How many runs the figures come from.</summary>
    public int Runs { get; init; }
    public string Source { get; init; } = "";
    public DateTimeOffset CollectedAt { get; init; }
}

/// <summary>A figure of a plan over the Monte Carlo samples: mean and 95th percentile.</summary>
public sealed record PlanFigure(double Mean, double P95)
{
    public override string ToString() => $"{Mean:G4} (p95 {P95:G4})";
}

/// <summary>Carbon (g CO2eq), cost (USD) and runtime (s) of one run of a plan.</summary>
public sealed record PlanFigures(PlanFigure Carbon, PlanFigure Cost, PlanFigure Runtime)
{
    /// <summary>"carbon 0.00111 g (p95 0.00139), cost 9.62E-05 USD (p95 0.00012), runtime 1.32 s (p95 1.62)".</summary>
    public override string ToString() => $"carbon {Carbon} g, cost {Cost} USD, runtime {Runtime} s";
}

/// <summary>Where each step of a workflow runs for runs started in one hour of the day (UTC), and what that does.</summary>
public sealed record DeploymentPlan
{
    public string WorkflowId { get; init; } = "";
    /// <summary>0..23, UTC: the plan applies to runs started in this hour.</summary>
    public int Hour { get; init; }
    /// <summary>Step name → region, in the workflow's step order.</summary>
    public IReadOnlyDictionary<string, string> Placement { get; init; } = new Dictionary<string, string>();
    public PlanFigure Carbon { get; init; } = new(0, 0);
    public PlanFigure Cost { get; init; } = new(0, 0);
    public PlanFigure Runtime { get; init; } = new(0, 0);
    /// <summary>The same figures for every step at the home region.</summary>
    public PlanFigures Home { get; init; } = new(new(0, 0), new(0, 0), new(0, 0));
    /// <summary>(home carbon mean − plan carbon mean) / home carbon mean × 100.</summary>
    public double CarbonSavedPercent { get; init; }
    /// <summary>The constraints that bind: those the plan sits at (within tolerance) or had to give up ("hard runtime p95 ≤ 120% of home").</summary>
    public IReadOnlyList<string> Binding { get; init; } = Array.Empty<string>();
    public string Algorithm { get; init; } = "";
    public TimeSpan SolveTime { get; init; }
    /// <summary>What the figures rest on that is not data (Caribou's: "runtime in aws:eu-west-1 assumed as at home").</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = Array.Empty<string>();
    /// <summary>The sources of the data used (one line each).</summary>
    public IReadOnlyList<string> Sources { get; init; } = Array.Empty<string>();
    public string HomeRegion { get; init; } = "";
}

/// <summary>A workflow's applied placement: the plan of every hour (hours without one run all at home).</summary>
public sealed record WorkflowPlacement
{
    public string WorkflowId { get; init; } = "";
    public string HomeRegion { get; init; } = "";
    /// <summary>Hour (0..23, UTC) → step → region.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>> Hours { get; init; } = new Dictionary<int, IReadOnlyDictionary<string, string>>();
    public DateTimeOffset AppliedAt { get; init; }

    /// <summary>The regions the placement uses, home first.</summary>
    public IReadOnlyList<string> Regions
    {
        get
        {
            var regions = new List<string> { HomeRegion };
            foreach (var hour in Hours.Values)
            {
                foreach (var region in hour.Values)
                {
                    if (!regions.Contains(region)) regions.Add(region);
                }
            }
            return regions;
        }
    }

    /// <summary>"24 hourly plans over aws:us-east-1, aws:us-west-2, applied 2026-12-01 23:40Z".</summary>
    public override string ToString() =>
        $"{Hours.Count} hourly plan{(Hours.Count == 1 ? "" : "s")} over {string.Join(", ", Regions)}, applied {AppliedAt.UtcDateTime:yyyy-MM-dd HH:mm}Z";

    /// <summary>Where the step runs for a run started at <paramref name="startedAt"/> (its UTC hour).</summary>
    public string RegionOf(string step, DateTimeOffset startedAt) =>
        Hours.TryGetValue(startedAt.UtcDateTime.Hour, out var plan) && plan.TryGetValue(step, out var region) ? region : HomeRegion;
}
