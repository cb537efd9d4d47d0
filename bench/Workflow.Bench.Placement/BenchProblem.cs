using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Bench.Placement;

/// <summary>
/// The bench's <see cref="PlacementProblem"/>, built as Find-WorkflowDeployment builds it: the
/// product's collectors gather provider, carbon and performance records offline (the data bundled in
/// Workflow.Core, the latency model) at a fixed clock, and <see cref="PlacementProblemBuilder.Build"/>
/// turns them and the shape's step profiles into the problem. Nothing here models a figure itself.
/// </summary>
internal static class BenchProblem
{
    /// <summary>
    /// The collectors' clock, fixed so the forecast day is: 2026-12-01 is past the bundled 2024 data, so
    /// the carbon collector forecasts each UTC hour as the mean of the 7 days before 12-01 in 2024
    /// (2024-11-24..30), as it would for a user on that day without an API token.
    /// </summary>
    public static readonly DateTimeOffset Clock = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, CollectionResult> Collected = new(StringComparer.Ordinal);

    /// <summary>The problem of <paramref name="definition"/> (its regions.allowed and disallowed set) with the shape's profiles.</summary>
    public static PlacementProblem Build(WorkflowDefinition definition, IReadOnlyDictionary<string, StepProfile> steps)
    {
        var regions = new[] { definition.HomeRegion }.Concat(definition.Regions.Allowed).Distinct(StringComparer.Ordinal).ToList();
        var records = Collect(regions);
        return PlacementProblemBuilder.Build(definition, records.Facts, records.Carbon, records.Latencies, steps.Values.ToList());
    }

    /// <summary>What Invoke-DataCollector All would store for these regions (provider, carbon, performance), collected once per region list.</summary>
    public static CollectionResult Collect(IReadOnlyList<string> regions)
    {
        var key = string.Join(",", regions);
        if (Collected.TryGetValue(key, out var known)) return known;
        var result = PlacementService.CollectOfflineAsync(regions, Clock, CancellationToken.None).GetAwaiter().GetResult();
        if (result.Messages.Count > 0) throw new InvalidOperationException("The collectors could not collect every region: " + string.Join(" ", result.Messages));
        return Collected[key] = result;
    }
}
