using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Bench.Placement;

/// <summary>
/// Builds the bench's <see cref="PlacementProblem"/> from the bundled carbon data (../shared/data/carbon,
/// see its SOURCES.md). The product's PlacementProblemBuilder and collectors are not on a branch yet:
/// when they are, <see cref="Build"/> is the one function to swap for them.
/// </summary>
internal static class BenchProblem
{
    /// <summary>Caribou forecasts the next 24 hours from the past week: the forecast day is the mean of these 7 days at each UTC hour.</summary>
    public static readonly DateTime WeekStart = new(2024, 11, 24, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTimeOffset ForDate = new(2024, 12, 1, 0, 0, 0, TimeSpan.Zero);

    // DESIGN §7's price defaults (Lambda's us-east-1 list prices), used in every region: assumed.
    private const double ComputePricePerGbSecond = 1.66667e-5;
    private const double RequestPrice = 2e-7;
    private const double TransferPricePerGb = 0.02;
    private const double CaribouPue = 1.11; // Caribou's PUE where the provider publishes none

    public static PlacementProblem Build(WorkflowDefinition definition, IReadOnlyDictionary<string, StepProfile> steps, IReadOnlyList<string> regions, string dataFolder)
    {
        var assumptions = new List<string>();
        var sources = new List<string>
        {
            "regions: Green Software Foundation real-time-cloud Cloud_Region_Metadata.csv (bundled regions.csv)",
            "carbon: Electricity Maps 2024 (ODbL), hourly via HPE green-dcc, yearly via Green Web Foundation co2.js (bundled)",
        };
        var rows = ReadCsv(Path.Combine(dataFolder, "regions.csv")).ToDictionary(row => row["region"]);
        var annual = ReadCsv(Path.Combine(dataFolder, "annual-2024.csv")).ToDictionary(row => row["zone"], row => Number(row["gco2_kwh_lca_2024"]));
        var facts = new Dictionary<string, RegionFacts>();
        var carbon = new Dictionary<string, IReadOnlyList<double>>();
        foreach (var region in regions)
        {
            var row = rows[region];
            var pue = row["pue"].Length > 0 ? Number(row["pue"]) : CaribouPue;
            if (row["pue"].Length == 0) assumptions.Add($"PUE of {region}: {CaribouPue} (Caribou's), none published");
            facts[region] = new RegionFacts
            {
                Region = region,
                Location = row["location"],
                Latitude = Number(row["latitude"]),
                Longitude = Number(row["longitude"]),
                Zone = row["zone"],
                Pue = pue,
                PueSource = row["pue"].Length > 0 ? "AWS-published (GSF metadata)" : "assumed: Caribou's 1.11",
                ComputePricePerGbSecond = ComputePricePerGbSecond,
                RequestPrice = RequestPrice,
                TransferPricePerGb = TransferPricePerGb,
                PriceSource = "assumed: DESIGN §7 defaults (Lambda us-east-1 list prices) in every region",
                Source = "bundled regions.csv",
            };
            var hourlyFile = Path.Combine(dataFolder, "hourly-2024", row["zone"] + ".csv");
            if (row["hourly_2024"] == "yes" && File.Exists(hourlyFile))
            {
                carbon[region] = ForecastDay(hourlyFile);
            }
            else
            {
                var flat = annual.TryGetValue(row["zone"], out var value) ? value : Number(row["grid_gco2_kwh_annual"]);
                carbon[region] = Enumerable.Repeat(flat, 24).ToArray();
                assumptions.Add($"carbon of {region} ({row["zone"]}): no hourly series, its 2024 annual value {flat} g/kWh flat over the day");
            }
        }
        assumptions.Add("assumed: prices are DESIGN §7's defaults in every region");
        assumptions.Add($"assumed: latency {LatencyModel}");
        var latencies = new Dictionary<string, RegionLatency>();
        foreach (var from in regions)
        {
            foreach (var to in regions)
            {
                latencies[PlacementProblem.LatencyKey(from, to)] = Latency(facts[from], facts[to]);
            }
        }
        foreach (var step in definition.Steps)
        {
            var without = regions.Where(r => !steps[step.Name].RuntimeSeconds.ContainsKey(r)).ToList();
            if (without.Count > 0) assumptions.Add($"runtime of {step.Name} in {without.Count} regions without samples assumed as at home (Caribou's fallback)");
        }
        var stepRegions = definition.Steps.ToDictionary(
            step => step.Name,
            step => (IReadOnlyList<string>)(step.Regions.Count > 0 ? regions.Where(step.Regions.Contains).ToArray() : regions.ToArray()));
        return new PlacementProblem
        {
            Definition = definition,
            Home = definition.HomeRegion,
            Regions = regions.ToArray(),
            StepRegions = stepRegions,
            Facts = facts,
            Carbon = carbon,
            Latencies = latencies,
            Steps = steps,
            Assumptions = assumptions,
            Sources = sources,
        };
    }

    public const string LatencyModel =
        "modelled from great-circle distance d: one-way mean 5 ms + d / (100 km/ms), p95 = 1.5 × mean; throughput 100 MB/s inside a region, 20 MB/s between regions";

    private static RegionLatency Latency(RegionFacts from, RegionFacts to)
    {
        var km = GreatCircleKm(from.Latitude, from.Longitude, to.Latitude, to.Longitude);
        var mean = 0.005 + km / 100_000;
        return new RegionLatency
        {
            From = from.Region,
            To = to.Region,
            MeanSeconds = mean,
            P95Seconds = 1.5 * mean,
            BytesPerSecond = from.Region == to.Region ? 100e6 : 20e6,
            Source = "modelled: " + LatencyModel,
        };
    }

    private static double GreatCircleKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double earthKm = 6371.0;
        double Rad(double degrees) => degrees * Math.PI / 180;
        var a = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lon2 - lon1) / 2), 2);
        return 2 * earthKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    private static double[] ForecastDay(string file)
    {
        var sums = new double[24];
        var counts = new int[24];
        foreach (var row in ReadCsv(file))
        {
            var at = DateTime.Parse(row["datetime_utc"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            if (at < WeekStart || at >= WeekStart.AddDays(7)) continue;
            sums[at.Hour] += Number(row["gco2_kwh_lca"]);
            counts[at.Hour]++;
        }
        return sums.Select((sum, hour) => counts[hour] > 0 ? sum / counts[hour] : throw new InvalidDataException($"{file} has no {hour}:00 in the week from {WeekStart:yyyy-MM-dd}.")).ToArray();
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static IEnumerable<Dictionary<string, string>> ReadCsv(string file)
    {
        // The bundled files are plain CSV without quotes; a zone name may hold a comma, so the last
        // column is always the last cell.
        using var reader = new StreamReader(file);
        var header = reader.ReadLine()!.Split(',');
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            var row = new Dictionary<string, string>();
            for (var i = 0; i < header.Length; i++) row[header[i]] = i < cells.Length ? cells[i] : "";
            if (cells.Length > header.Length) row[header[^1]] = cells[^1];
            yield return row;
        }
    }
}
