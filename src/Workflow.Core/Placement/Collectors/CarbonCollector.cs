using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// The carbon collector: 24 hourly values per region for the forecast day. Per region the first
/// source that has its zone wins: the user's file (-Path), Electricity Maps' API (when a token is
/// set), the bundled hourly 2024 series, then an annual value flat over the day. A region with none
/// of these is skipped with a message, never silently.
/// </summary>
internal sealed class CarbonCollector
{
    private readonly IReadOnlyList<HourlySeries> imported;
    private readonly ElectricityMapsClient? api;

    public CarbonCollector(string? path, ElectricityMapsClient? api)
    {
        this.api = api;
        imported = path == null
            ? Array.Empty<HourlySeries>()
            : CarbonCsv.Read(CsvTable.ReadFile(path), origin: "Electricity Maps data-portal export " + Path.GetFileName(path));
    }

    public async Task<CollectionResult> CollectAsync(IReadOnlyList<BundledRegion> regions, DateTimeOffset now, IProgress<CollectionProgress>? progress, CancellationToken cancellationToken)
    {
        var day = now.UtcDateTime.Date;
        var records = new List<CarbonIntensity>();
        var messages = new List<string>();
        var fromApi = new Dictionary<string, HourlySeries?>(StringComparer.OrdinalIgnoreCase); // one call per zone
        if (imported.Count > 0 && !imported.Any(s => regions.Any(r => Same(r.Zone, s.Zone))))
        {
            messages.Add($"The imported file's zones ({string.Join(", ", imported.Select(s => s.Zone))}) are the grid zone of none of the regions collected; their carbon comes from the next sources.");
        }
        for (var i = 0; i < regions.Count; i++)
        {
            var region = regions[i];
            progress?.Report(new CollectionProgress("carbon", region.Region, i, regions.Count));
            var series = imported.FirstOrDefault(s => Same(region.Zone, s.Zone));
            if (series == null && api != null && region.Zone != null)
            {
                if (!fromApi.TryGetValue(region.Zone, out series))
                {
                    try
                    {
                        series = await api.PastWeekAsync(region.Zone, now.UtcDateTime, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                    {
                        messages.Add($"Electricity Maps API ({api.BaseUrl}) gave no carbon for {region.Region} (zone {region.Zone}): {e.Message.TrimEnd('.')}. The next source was used.");
                    }
                    fromApi[region.Zone] = series;
                }
            }
            series ??= region.Zone == null ? null : BundledData.HourlyOf(region.Zone);
            if (series != null)
            {
                var forecast = series.Forecast(day);
                for (var hour = 0; hour < 24; hour++)
                {
                    records.Add(Record(region, hour, day, forecast[hour].Grams, forecast[hour].Source, flat: false, now));
                }
                continue;
            }
            if (Annual(region) is { } annual)
            {
                for (var hour = 0; hour < 24; hour++)
                {
                    records.Add(Record(region, hour, day, annual.Grams, annual.Source, flat: true, now));
                }
                continue;
            }
            messages.Add($"No carbon data for {region.Region}" + (region.Zone == null ? " (the data maps it to no grid zone)" : $" (zone {region.Zone})")
                + ": it was skipped. Import an Electricity Maps export for it with -Path, or set ELECTRICITY_MAPS_AUTH_TOKEN.");
        }
        return new CollectionResult { Carbon = records, Messages = messages };
    }

    /// <summary>The region's annual value: GSF's figure for the region, else Electricity Maps' 2024 figure for its zone.</summary>
    private static (double Grams, string Source)? Annual(BundledRegion region)
    {
        var why = $"flat: no hourly series for zone {region.Zone}";
        if (region.AnnualGramsPerKwh is { } grams)
        {
            return (grams, BundledData.Invariant($"{BundledData.RegionsSource}, annual grid intensity {region.MetadataYear} ({why})"));
        }
        if (region.Zone != null && BundledData.Annual.TryGetValue(region.Zone, out var zone))
        {
            return (zone, $"{BundledData.AnnualSource} ({why})");
        }
        return null;
    }

    private static CarbonIntensity Record(BundledRegion region, int hour, DateTime day, double grams, string source, bool flat, DateTimeOffset now) => new()
    {
        Region = region.Region,
        Zone = region.Zone,
        Hour = hour,
        GramsPerKwh = Math.Round(grams, 2),
        ForDate = new DateTimeOffset(day, TimeSpan.Zero),
        Source = source,
        Flat = flat,
        CollectedAt = now,
    };

    private static bool Same(string? a, string? b) => a != null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
