using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Workflow.Placement;

/// <summary>
/// Reads hourly carbon intensity tables into series, one per zone. Two forms: Electricity Maps'
/// data-portal export ("Datetime (UTC)", "Zone Id", "Carbon Intensity gCO₂eq/kWh (LCA)" as green-dcc
/// keeps it, or "(Life cycle)" as newer exports write it), and the bundled converted form
/// (datetime_utc, gco2_kwh_lca, ...; the zone is the file's name, DE.csv).
/// </summary>
internal static class CarbonCsv
{
    public static IReadOnlyList<HourlySeries> Read(CsvTable table, string? zoneOfFile = null, string? origin = null)
    {
        var time = table.Find(h => h.StartsWith("Datetime", StringComparison.OrdinalIgnoreCase));
        var lca = table.Find(h => h.Equals("gco2_kwh_lca", StringComparison.OrdinalIgnoreCase)
            || h.IndexOf("(LCA)", StringComparison.OrdinalIgnoreCase) >= 0
            || h.IndexOf("(Life cycle)", StringComparison.OrdinalIgnoreCase) >= 0);
        var zone = table.Find(h => h.Equals("Zone Id", StringComparison.OrdinalIgnoreCase) || h.Equals("zone", StringComparison.OrdinalIgnoreCase));
        if (time < 0 || lca < 0)
        {
            throw table.Invalid(1, "the header has no " + (time < 0 ? "'Datetime (UTC)' (or datetime_utc)" : "lifecycle intensity ('Carbon Intensity gCO₂eq/kWh (LCA)', '(Life cycle)' or gco2_kwh_lca)") + " column");
        }
        if (zone < 0 && zoneOfFile == null)
        {
            zoneOfFile = Path.GetFileNameWithoutExtension(table.Source);
        }
        var byZone = new Dictionary<string, List<(DateTime, double)>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (line, fields) in table.Rows)
        {
            var text = CsvTable.Field(fields, time);
            if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
            {
                throw table.Invalid(line, $"'{text}' is not a date and time");
            }
            if (table.Number(line, fields, lca) is not { } grams) continue; // an hour the source has no value for
            var key = zone >= 0 ? CsvTable.Field(fields, zone) : zoneOfFile!;
            if (!byZone.TryGetValue(key, out var points)) byZone[key] = points = new List<(DateTime, double)>();
            points.Add((DateTime.SpecifyKind(at, DateTimeKind.Utc), grams));
        }
        if (byZone.Count == 0) throw table.Invalid(1, "it has no rows with a value");
        return byZone.Select(z => new HourlySeries(z.Key, origin ?? BundledData.HourlySource, z.Value)).ToList();
    }
}
