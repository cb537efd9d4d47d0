using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Placement;

/// <summary>
/// Collected records as the run store keeps them: JSON, under the key that a later collection of
/// the same figure replaces (a region; "region|hour"; "from|to"; "workflow|step").
/// </summary>
internal static class CollectedData
{
    private static readonly JsonSerializerOptions Json = new();

    public static void Save(IRunStore store, CollectionResult result)
    {
        var records = new List<CollectedRecord>();
        records.AddRange(result.Facts.Select(f => Of(DataCollector.Provider, f.Region, f, f.CollectedAt)));
        records.AddRange(result.Carbon.Select(c => Of(DataCollector.Carbon, c.Region + "|" + c.Hour.ToString("00", System.Globalization.CultureInfo.InvariantCulture), c, c.CollectedAt)));
        records.AddRange(result.Latencies.Select(l => Of(DataCollector.Performance, PlacementProblem.LatencyKey(l.From, l.To), l, l.CollectedAt)));
        records.AddRange(result.Steps.Select(s => Of(DataCollector.Workflow, s.WorkflowId + "|" + s.Step, s, s.CollectedAt)));
        store.SaveCollected(records);
    }

    public static IReadOnlyList<RegionFacts> Facts(IRunStore store) => Read<RegionFacts>(store, DataCollector.Provider, null);

    public static IReadOnlyList<CarbonIntensity> Carbon(IRunStore store) => Read<CarbonIntensity>(store, DataCollector.Carbon, null);

    public static IReadOnlyList<RegionLatency> Latencies(IRunStore store) => Read<RegionLatency>(store, DataCollector.Performance, null);

    public static IReadOnlyList<StepProfile> Steps(IRunStore store, string workflowId) => Read<StepProfile>(store, DataCollector.Workflow, workflowId + "|");

    private static CollectedRecord Of<T>(DataCollector collector, string key, T record, DateTimeOffset at) =>
        new(collector, key, JsonSerializer.Serialize(record, Json), at);

    private static IReadOnlyList<T> Read<T>(IRunStore store, DataCollector collector, string? prefix) =>
        store.GetCollected(collector, prefix).Select(r => JsonSerializer.Deserialize<T>(r.RecordJson, Json)!).ToList();
}
