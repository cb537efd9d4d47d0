using System;
using System.Collections.Generic;
using System.Linq;

namespace Workflow.Placement;

/// <summary>
/// Hourly carbon intensity of one grid zone (UTC hours, gCO2eq/kWh, lifecycle) and the forecast of
/// a day made from it: per UTC hour, the mean of one week. With recent data the week is the past
/// one, as Caribou's carbon collector takes (it fits Holt-Winters to that week; the per-hour mean
/// is ours, and says so); with history only, the same days of the latest year the data has.
/// </summary>
internal sealed class HourlySeries
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    public HourlySeries(string zone, string origin, IEnumerable<(DateTime Time, double Grams)> points)
    {
        Zone = zone;
        Origin = origin;
        Points = points.OrderBy(p => p.Time).ToList();
    }

    public string Zone { get; }

    /// <summary>Where the series came from ("Electricity Maps API past-range").</summary>
    public string Origin { get; }

    public IReadOnlyList<(DateTime Time, double Grams)> Points { get; }

    /// <summary>24 values (UTC hours 0..23) for <paramref name="day"/>, each with its source line.</summary>
    public IReadOnlyList<(double Grams, string Source)> Forecast(DateTime day)
    {
        if (Points.Count == 0) throw new InvalidOperationException($"The series of zone {Zone} is empty.");
        day = day.Date;
        var first = Points[0].Time;
        var last = Points[Points.Count - 1].Time;
        DateTime start, end;
        string why;
        if (last >= day - Week)
        {
            // Recent data: the week that ends with the latest hour known (Caribou's window).
            end = last.AddHours(1);
            start = end - Week;
            why = "the past week";
        }
        else
        {
            // History only: the 7 days before the same date in the latest year the data has.
            var year = last.Year;
            var same = new DateTime(year, day.Month, day.Month == 2 && day.Day == 29 && !DateTime.IsLeapYear(year) ? 28 : day.Day, 0, 0, 0, DateTimeKind.Utc);
            start = same - Week;
            if (start < first.Date) start = first.Date; // early January: the data's first week instead
            end = start + Week;
            why = BundledData.Invariant($"the 7 days before {same:MM-dd} in {year}, the latest year the data has");
        }
        var window = Points.Where(p => p.Time >= start && p.Time < end).ToList();
        if (window.Count == 0) window = Points.ToList(); // a series shorter than the window: all of it
        var from = window[0].Time;
        var to = window[window.Count - 1].Time;
        var mean = window.Average(p => p.Grams);
        var hours = new List<(double, string)>(24);
        for (var hour = 0; hour < 24; hour++)
        {
            var at = window.Where(p => p.Time.Hour == hour).Select(p => p.Grams).ToList();
            var range = BundledData.Invariant($"{Origin}, mean of {from:yyyy-MM-dd}..{to:yyyy-MM-dd} ({why})");
            hours.Add(at.Count > 0
                ? (at.Average(), BundledData.Invariant($"{range} at {hour:00}:00 UTC"))
                : (mean, BundledData.Invariant($"{range}: no value at {hour:00}:00 UTC, the window's mean")));
        }
        return hours;
    }
}
