using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace Workflow.Placement;

/// <summary>A region as the bundled regions.csv has it (Placement/Data/SOURCES.md names its source).</summary>
internal sealed record BundledRegion(
    string Region, string Location, double Latitude, double Longitude, string? Zone, double? Pue, double? AnnualGramsPerKwh, int MetadataYear);

/// <summary>
/// The data that ships inside Workflow.Core (embedded resources): AWS regions with their grid zones
/// and PUE, Electricity Maps' 2024 annual intensity per zone, and hourly 2024 series for 16 zones.
/// Read once, on first use.
/// </summary>
internal static class BundledData
{
    private const string Prefix = "Workflow.Placement.Data.";
    private static readonly Lazy<IReadOnlyList<BundledRegion>> LazyRegions = new(ReadRegions);
    private static readonly Lazy<IReadOnlyDictionary<string, double>> LazyAnnual = new(ReadAnnual);
    private static readonly Dictionary<string, HourlySeries?> Hourly = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The source line of regions.csv's facts.</summary>
    public const string RegionsSource = "Green Software Foundation real-time-cloud Cloud_Region_Metadata (bundled regions.csv)";

    /// <summary>The source line of the hourly series.</summary>
    public const string HourlySource = "Electricity Maps hourly 2024, lifecycle (green-dcc, bundled)";

    /// <summary>The source line of annual-2024.csv.</summary>
    public const string AnnualSource = "Electricity Maps yearly 2024, lifecycle (co2.js, bundled)";

    public static IReadOnlyList<BundledRegion> Regions => LazyRegions.Value;

    /// <summary>Zone → Electricity Maps' 2024 annual lifecycle intensity (gCO2eq/kWh).</summary>
    public static IReadOnlyDictionary<string, double> Annual => LazyAnnual.Value;

    public static BundledRegion? FindRegion(string region) =>
        Regions.FirstOrDefault(r => string.Equals(r.Region, region, StringComparison.OrdinalIgnoreCase));

    /// <summary>The bundled hourly 2024 series of the zone, or null when none ships.</summary>
    public static HourlySeries? HourlyOf(string zone)
    {
        lock (Hourly)
        {
            if (Hourly.TryGetValue(zone, out var cached)) return cached;
            using var stream = typeof(BundledData).Assembly.GetManifestResourceStream(Prefix + zone + ".csv.gz");
            HourlySeries? series = null;
            if (stream != null)
            {
                using var unzip = new GZipStream(stream, CompressionMode.Decompress);
                using var reader = new StreamReader(unzip, Encoding.UTF8);
                series = CarbonCsv.Read(CsvTable.Read(reader, $"bundled hourly-2024/{zone}.csv"), zone).Single();
            }
            Hourly[zone] = series;
            return series;
        }
    }

    /// <summary>The region's name as the data writes it: "us-east-1" and "AWS:US-EAST-1" are "aws:us-east-1".</summary>
    public static string Normalize(string region)
    {
        var trimmed = region.Trim();
        return (trimmed.IndexOf(':') < 0 ? "aws:" + trimmed : trimmed).ToLowerInvariant();
    }

    private static CsvTable Resource(string name)
    {
        using var stream = typeof(BundledData).Assembly.GetManifestResourceStream(Prefix + name)
            ?? throw new InvalidOperationException($"The bundled resource {name} is missing from Workflow.Core: the build is broken.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return CsvTable.Read(reader, "bundled " + name);
    }

    private static IReadOnlyList<BundledRegion> ReadRegions()
    {
        var table = Resource("regions.csv");
        int C(string name) => table.Column(name);
        return table.Rows.Select(row =>
        {
            var (line, f) = row;
            var zone = CsvTable.Field(f, C("zone"));
            return new BundledRegion(
                CsvTable.Field(f, C("region")),
                CsvTable.Field(f, C("location")),
                table.Number(line, f, C("latitude")) ?? 0,
                table.Number(line, f, C("longitude")) ?? 0,
                zone.Length == 0 ? null : zone,
                table.Number(line, f, C("pue")),
                table.Number(line, f, C("grid_gco2_kwh_annual")),
                (int)(table.Number(line, f, C("metadata_year")) ?? 0));
        }).ToList();
    }

    private static IReadOnlyDictionary<string, double> ReadAnnual()
    {
        var table = Resource("annual-2024.csv");
        var annual = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var (line, f) in table.Rows)
        {
            if (table.Number(line, f, table.Column("gco2_kwh_lca_2024")) is { } value)
            {
                annual[CsvTable.Field(f, table.Column("zone"))] = value;
            }
        }
        return annual;
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
