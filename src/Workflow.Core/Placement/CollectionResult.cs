using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// What one Invoke-DataCollector call gathered and stored: the records, in the order collected, and
/// what it could not collect (a region without any carbon value, an API that refused), so a caller
/// writes them as warnings instead of losing them.
/// </summary>
public sealed record CollectionResult
{
    public IReadOnlyList<RegionFacts> Facts { get; init; } = Array.Empty<RegionFacts>();
    public IReadOnlyList<CarbonIntensity> Carbon { get; init; } = Array.Empty<CarbonIntensity>();
    public IReadOnlyList<RegionLatency> Latencies { get; init; } = Array.Empty<RegionLatency>();
    public IReadOnlyList<StepProfile> Steps { get; init; } = Array.Empty<StepProfile>();
    public IReadOnlyList<string> Messages { get; init; } = Array.Empty<string>();

    /// <summary>Every record: facts, then carbon, latencies and step profiles.</summary>
    public IEnumerable<object> Records =>
        Facts.Cast<object>().Concat(Carbon).Concat(Latencies).Concat(Steps);

    public CollectionResult Add(CollectionResult other) => new()
    {
        Facts = Facts.Concat(other.Facts).ToList(),
        Carbon = Carbon.Concat(other.Carbon).ToList(),
        Latencies = Latencies.Concat(other.Latencies).ToList(),
        Steps = Steps.Concat(other.Steps).ToList(),
        Messages = Messages.Concat(other.Messages).ToList(),
    };
}

/// <summary>How far a collection has got: "carbon", "aws:us-east-1", 3 of 33.</summary>
public sealed record CollectionProgress(string Collector, string Item, int Done, int Total)
{
    public int PercentComplete => Total == 0 ? 100 : Math.Min(100, Done * 100 / Total);
}
