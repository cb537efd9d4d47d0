using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Tests.Placement;

/// <summary>The carbon collector: 24 hourly values per region, from the best source that has the region's zone.</summary>
public sealed class CarbonCollectorTests
{
    [Fact]
    public async Task Us_east_1_gets_the_PJM_series_as_the_mean_per_hour_of_the_week_before_the_same_date_in_2024()
    {
        using var home = new PlacementHome();

        var result = await home.CollectAsync(DataCollector.Carbon, new[] { "us-east-1" });

        var hours = result.Carbon.Where(c => c.Region == "aws:us-east-1").OrderBy(c => c.Hour).ToList();
        Assert.Equal(Enumerable.Range(0, 24), hours.Select(c => c.Hour));
        var week = PlacementHome.ShippedSeries("US-MIDA-PJM").Where(p => p.Time >= new DateTime(2024, 11, 24) && p.Time < new DateTime(2024, 12, 1)).ToList();
        foreach (var hour in hours)
        {
            Assert.Equal("US-MIDA-PJM", hour.Zone);
            Assert.False(hour.Flat);
            Assert.Equal(new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero), hour.ForDate);
            Assert.Equal(week.Where(p => p.Time.Hour == hour.Hour).Average(p => p.Grams), hour.GramsPerKwh, 2);
            Assert.Contains("Electricity Maps hourly 2024", hour.Source);
            Assert.Contains("mean of 2024-11-24..2024-11-30", hour.Source);
            Assert.Contains($"at {hour.Hour:00}:00 UTC", hour.Source);
        }
        Assert.Empty(result.Messages);
    }

    [Fact]
    public async Task Ca_central_1_has_no_hourly_series_and_is_flat_at_its_annual_value()
    {
        using var home = new PlacementHome();

        var result = await home.CollectAsync(DataCollector.Carbon, new[] { "aws:ca-central-1" });

        Assert.Equal(24, result.Carbon.Count);
        Assert.All(result.Carbon, c =>
        {
            Assert.Equal(30.51, c.GramsPerKwh);
            Assert.True(c.Flat);
            Assert.Contains("flat: no hourly series for zone CA-QC", c.Source);
        });
    }

    [Fact]
    public async Task A_region_without_any_carbon_value_is_skipped_with_a_message()
    {
        using var home = new PlacementHome();

        var result = await home.CollectAsync(DataCollector.Carbon, new[] { "aws:ca-west-1", "aws:us-west-2" });

        Assert.DoesNotContain(result.Carbon, c => c.Region == "aws:ca-west-1");
        Assert.Equal(24, result.Carbon.Count(c => c.Region == "aws:us-west-2"));
        var message = Assert.Single(result.Messages);
        Assert.Contains("aws:ca-west-1", message);
        Assert.Contains("skipped", message);
    }

    [Fact]
    public async Task An_unknown_region_is_PlacementRegionUnknown()
    {
        using var home = new PlacementHome();

        var e = await Assert.ThrowsAsync<WorkflowException>(() => home.CollectAsync(DataCollector.Carbon, new[] { "aws:mars-north-1" }));

        Assert.Equal(WorkflowErrors.PlacementRegionUnknown, e.Error);
        Assert.Contains("aws:mars-north-1", e.Message);
    }

    [Theory]
    [InlineData("Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,Data Source,Data Estimated,Data Estimation Method")]
    [InlineData("Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method")]
    public async Task A_data_portal_export_gives_the_regions_of_its_zone_the_week_before_the_forecast_day(string header)
    {
        using var home = new PlacementHome();
        var csv = new StringBuilder(header).Append('\n');
        for (var time = new DateTime(2025, 11, 24); time < new DateTime(2025, 12, 1); time = time.AddHours(1))
        {
            // Each hour's value is 10 + the hour, plus the day: the week's mean at hour h is 10 + h + 27.
            var grams = 10 + time.Hour + time.Day;
            csv.Append(CultureInfo.InvariantCulture, $"{time:yyyy-MM-dd HH:mm:ss},Canada,\"Québec, Canada\",CA-QC,1,{grams},99,99,src,false,\n");
        }
        var path = home.WriteFile("CA-QC_2025_hourly.csv", csv.ToString());

        var result = await home.CollectAsync(DataCollector.Carbon, new[] { "aws:ca-central-1", "aws:us-east-1" }, path);

        var quebec = result.Carbon.Where(c => c.Region == "aws:ca-central-1").OrderBy(c => c.Hour).ToList();
        Assert.Equal(Enumerable.Range(0, 24).Select(h => 10.0 + h + 27), quebec.Select(c => c.GramsPerKwh));
        Assert.All(quebec, c => Assert.False(c.Flat));
        Assert.All(quebec, c => Assert.Contains("data-portal export CA-QC_2025_hourly.csv, mean of 2025-11-24..2025-11-30 (the past week)", c.Source));
        // A region the file does not cover comes from the next source.
        Assert.All(result.Carbon.Where(c => c.Region == "aws:us-east-1"), c => Assert.Contains("Electricity Maps hourly 2024", c.Source));
    }

    [Fact]
    public async Task A_missing_file_is_PlacementDataFileNotFound_and_a_table_without_intensity_PlacementDataFileInvalid()
    {
        using var home = new PlacementHome();

        var missing = await Assert.ThrowsAsync<WorkflowException>(() => home.CollectAsync(DataCollector.Carbon, path: "/no/such/export.csv"));
        var bad = await Assert.ThrowsAsync<WorkflowException>(() => home.CollectAsync(DataCollector.Carbon, path: home.WriteFile("x.csv", "Datetime (UTC),Zone Id,Price\n2025-01-01 00:00:00,DE,3\n")));

        Assert.Equal(WorkflowErrors.PlacementDataFileNotFound, missing.Error);
        Assert.Contains("/no/such/export.csv", missing.Message);
        Assert.Equal(WorkflowErrors.PlacementDataFileInvalid, bad.Error);
        Assert.Contains("x.csv, line 1", bad.Message);
        Assert.Contains("lifecycle", bad.Message);
    }

    [Fact]
    public async Task With_a_token_the_Electricity_Maps_API_gives_the_past_week_and_a_refusal_falls_back_with_a_message()
    {
        using var api = new FakeElectricityMaps();
        using var home = new PlacementHome(new Dictionary<string, string>
        {
            ["ELECTRICITY_MAPS_AUTH_TOKEN"] = "secret-token",
            ["ELECTRICITY_MAPS_API_URL"] = api.BaseUrl,
        });

        var result = await home.CollectAsync(DataCollector.Carbon, new[] { "aws:eu-central-1", "aws:eu-west-2" });

        var frankfurt = result.Carbon.Where(c => c.Region == "aws:eu-central-1").OrderBy(c => c.Hour).ToList();
        Assert.Equal(Enumerable.Range(0, 24).Select(h => 100.0 + h), frankfurt.Select(c => c.GramsPerKwh));
        Assert.All(frankfurt, c => Assert.Contains("Electricity Maps API past-range", c.Source));
        var request = Assert.Single(api.Requests, r => r.Zone == "DE");
        Assert.Equal("secret-token", request.Token);
        Assert.Equal("2025-11-24T11:00:00Z", request.Start);
        Assert.Equal("2025-12-01T10:00:00Z", request.End);
        // GB is refused (401): the bundled series is used, and the caller is told.
        Assert.All(result.Carbon.Where(c => c.Region == "aws:eu-west-2"), c => Assert.Contains("Electricity Maps hourly 2024", c.Source));
        var message = Assert.Single(result.Messages);
        Assert.Contains("aws:eu-west-2", message);
        Assert.Contains("401", message);
    }

    /// <summary>A loopback server answering past-range as Electricity Maps documents it; zone GB is refused.</summary>
    private sealed class FakeElectricityMaps : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly CancellationTokenSource stop = new();

        public FakeElectricityMaps()
        {
            var port = FreePort();
            BaseUrl = $"http://127.0.0.1:{port}/v3";
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string BaseUrl { get; }
        public List<(string? Zone, string? Start, string? End, string? Token)> Requests { get; } = new();

        private async Task ServeAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                var query = context.Request.QueryString;
                lock (Requests) Requests.Add((query["zone"], query["start"], query["end"], context.Request.Headers["auth-token"]));
                string body;
                if (context.Request.Url!.AbsolutePath != "/v3/carbon-intensity/past-range" || query["zone"] == "GB")
                {
                    context.Response.StatusCode = 401;
                    body = """{"status":"error","message":"Invalid authentication"}""";
                }
                else
                {
                    // 168 hours ending at the requested end, each 100 + its UTC hour.
                    var end = DateTime.Parse(query["end"]!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                    var data = Enumerable.Range(0, 168).Select(i => end.AddHours(-167 + i)).Select(t => BundledText(
                        $$"""{"zone":"{{query["zone"]}}","carbonIntensity":{{100 + t.Hour}},"datetime":"{{t:yyyy-MM-dd'T'HH:mm:ss}}.000Z","updatedAt":"2025-12-01T10:00:00.000Z","createdAt":"2025-11-20T10:00:00.000Z","emissionFactorType":"lifecycle","isEstimated":false,"estimationMethod":null}"""));
                    body = $$"""{"zone":"{{query["zone"]}}","data":[{{string.Join(",", data)}}]}""";
                }
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        private static string BundledText(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private static int FreePort()
        {
            var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        public void Dispose()
        {
            stop.Cancel();
            listener.Close();
        }
    }
}
