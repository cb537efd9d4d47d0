using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// A placement as JSON, the same in the run store and in the home region's bucket
/// (placements/&lt;id&gt;.json): <c>{ workflowId, homeRegion, appliedAt, hours: { "13": { step: region } } }</c>.
/// </summary>
public static class PlacementJson
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static string Write(WorkflowPlacement placement) =>
        JsonSerializer.Serialize(new Document
        {
            WorkflowId = placement.WorkflowId,
            HomeRegion = placement.HomeRegion,
            AppliedAt = placement.AppliedAt,
            Hours = placement.Hours.OrderBy(h => h.Key).ToDictionary(
                h => h.Key.ToString(CultureInfo.InvariantCulture),
                h => h.Value.ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal)),
        }, Options);

    public static WorkflowPlacement Read(string json)
    {
        var document = JsonSerializer.Deserialize<Document>(json, Options) ?? new Document();
        return new WorkflowPlacement
        {
            WorkflowId = document.WorkflowId,
            HomeRegion = document.HomeRegion,
            AppliedAt = document.AppliedAt,
            Hours = document.Hours.ToDictionary(
                h => int.Parse(h.Key, CultureInfo.InvariantCulture),
                h => (IReadOnlyDictionary<string, string>)h.Value),
        };
    }

    private sealed class Document
    {
        public string WorkflowId { get; set; } = "";
        public string HomeRegion { get; set; } = "";
        public DateTimeOffset AppliedAt { get; set; }
        public Dictionary<string, Dictionary<string, string>> Hours { get; set; } = new();
    }
}
