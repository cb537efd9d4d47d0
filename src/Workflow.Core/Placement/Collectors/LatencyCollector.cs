using System;
using System.Collections.Generic;
using System.IO;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// The performance collector: one-way latency and throughput for every ordered pair of regions
/// (each to itself too). Offline it is a model of great-circle distance, every constant of which is
/// an assumption and is named in the record's Source; -Path imports a measured table instead.
/// </summary>
internal static class LatencyCollector
{
    // All assumed (no published source used): a fixed cost per message (serialisation, queue hops),
    // light in fibre at ~200 km per ms (2/3 c), and routes 1.5 times longer than the great circle.
    public const double BaseMs = 5;
    public const double FibreKmPerMs = 200;
    public const double RouteFactor = 1.5;
    public const double P95Factor = 1.3;
    // Throughput, assumed: one TCP stream with a 4 MiB window (window / round trip), at most 1 Gbit/s.
    public const double WindowBytes = 4 * 1024 * 1024;
    public const double MaxBytesPerSecond = 125e6;
    private const double EarthRadiusKm = 6371.0; // the mean radius, as Caribou's haversine uses

    public static readonly string ModelSource = BundledData.Invariant(
        $"modelled: one-way = {BaseMs} ms + great-circle distance / ({FibreKmPerMs} km/ms) × {RouteFactor} route factor; p95 = {P95Factor} × mean; throughput = min({MaxBytesPerSecond / 1e6} MB/s, 4 MiB window / round trip); every constant assumed");

    /// <summary>Great-circle distance in km (haversine).</summary>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        static double Radians(double degrees) => degrees * Math.PI / 180;
        var dLat = Radians(lat2 - lat1);
        var dLon = Radians(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Radians(lat1)) * Math.Cos(Radians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return EarthRadiusKm * 2 * Math.Atan2(Math.Sqrt(a), Math.Sqrt(1 - a));
    }

    public static RegionLatency Model(BundledRegion from, BundledRegion to, DateTimeOffset now)
    {
        var km = DistanceKm(from.Latitude, from.Longitude, to.Latitude, to.Longitude);
        var meanMs = BaseMs + km / FibreKmPerMs * RouteFactor;
        return new RegionLatency
        {
            From = from.Region,
            To = to.Region,
            MeanSeconds = meanMs / 1000,
            P95Seconds = P95Factor * meanMs / 1000,
            BytesPerSecond = Throughput(meanMs / 1000),
            Source = ModelSource + BundledData.Invariant($"; distance {km:F0} km"),
            CollectedAt = now,
        };
    }

    public static CollectionResult Collect(IReadOnlyList<BundledRegion> regions, DateTimeOffset now, IProgress<CollectionProgress>? progress)
    {
        var latencies = new List<RegionLatency>(regions.Count * regions.Count);
        for (var i = 0; i < regions.Count; i++)
        {
            progress?.Report(new CollectionProgress("performance", regions[i].Region, i, regions.Count));
            foreach (var to in regions)
            {
                latencies.Add(Model(regions[i], to, now));
            }
        }
        return new CollectionResult { Latencies = latencies };
    }

    /// <summary>
    /// Imports a latency table: CSV with the header <c>from,to,mean_ms,p95_ms[,mbps]</c>, one row per
    /// ordered pair, regions as aws:us-east-1 or us-east-1. Without mbps the throughput is modelled.
    /// </summary>
    public static CollectionResult Import(string path, IReadOnlyList<BundledRegion>? only, DateTimeOffset now)
    {
        var table = CsvTable.ReadFile(path);
        int[] columns = { table.Column("from"), table.Column("to"), table.Column("mean_ms"), table.Column("p95_ms") };
        if (Array.IndexOf(columns, -1) >= 0)
        {
            throw table.Invalid(1, $"the header is '{string.Join(",", table.Header)}', not from,to,mean_ms,p95_ms[,mbps]");
        }
        var mbps = table.Column("mbps");
        var latencies = new List<RegionLatency>();
        foreach (var (line, fields) in table.Rows)
        {
            var from = BundledData.Normalize(CsvTable.Field(fields, columns[0]));
            var to = BundledData.Normalize(CsvTable.Field(fields, columns[1]));
            var mean = table.Number(line, fields, columns[2]) ?? throw table.Invalid(line, "mean_ms is empty");
            var p95 = table.Number(line, fields, columns[3]) ?? throw table.Invalid(line, "p95_ms is empty");
            if (mean < 0 || p95 < mean) throw table.Invalid(line, "mean_ms must be 0 or more and p95_ms at least mean_ms");
            if (only != null && (!Contains(only, from) || !Contains(only, to))) continue;
            var rate = table.Number(line, fields, mbps);
            latencies.Add(new RegionLatency
            {
                From = from,
                To = to,
                MeanSeconds = mean / 1000,
                P95Seconds = p95 / 1000,
                BytesPerSecond = rate is { } r ? r * 1e6 / 8 : Throughput(mean / 1000),
                Source = $"imported from {Path.GetFileName(path)}" + (rate == null ? "; " + ModelSource.Substring(ModelSource.IndexOf("throughput", StringComparison.Ordinal)) : ""),
                CollectedAt = now,
            });
        }
        if (latencies.Count == 0) throw table.Invalid(1, "it has no rows" + (only != null ? " for the regions asked for" : ""));
        return new CollectionResult { Latencies = latencies };
    }

    private static double Throughput(double oneWaySeconds) => Math.Min(MaxBytesPerSecond, WindowBytes / (2 * oneWaySeconds));

    private static bool Contains(IReadOnlyList<BundledRegion> regions, string name)
    {
        foreach (var region in regions)
        {
            if (string.Equals(region.Region, name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
