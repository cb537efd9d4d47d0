using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Workflow.Placement;

/// <summary>
/// Electricity Maps' v3 API, the carbon collector's best source: <c>GET
/// {base}/carbon-intensity/past-range?zone=Z&amp;start=..&amp;end=..</c> with the <c>auth-token</c>
/// header, answered with <c>{"zone": .., "data": [{"carbonIntensity": n, "datetime": ".."}, ..]}</c>
/// (lifecycle by default). The past week is asked for, as Caribou's collector does; the API allows
/// up to 10 days of hourly data per call.
/// </summary>
internal sealed class ElectricityMapsClient
{
    /// <summary>Electricity Maps' public API; ELECTRICITY_MAPS_API_URL replaces it (a test's loopback server).</summary>
    public const string DefaultBaseUrl = "https://api.electricitymap.org/v3";
    public const string TokenVariable = "ELECTRICITY_MAPS_AUTH_TOKEN";
    public const string UrlVariable = "ELECTRICITY_MAPS_API_URL";

    // Caribou's request timeout (carbon_retriever.py: timeout=10).
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly HttpClient Shared = new() { Timeout = Timeout };
    private readonly HttpClient http;
    private readonly string baseUrl;
    private readonly string token;

    public ElectricityMapsClient(string token, string? baseUrl, HttpClient? http = null)
    {
        this.token = token;
        this.baseUrl = (string.IsNullOrWhiteSpace(baseUrl) ? DefaultBaseUrl : baseUrl!).TrimEnd('/');
        this.http = http ?? Shared;
    }

    public string BaseUrl => baseUrl;

    /// <summary>The zone's hourly intensity over the 7 days before <paramref name="now"/>; throws HttpRequestException when the API refuses.</summary>
    public async Task<HourlySeries> PastWeekAsync(string zone, DateTime now, CancellationToken cancellationToken)
    {
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        // Caribou's window: 6 days 23 hours back to this hour, 168 hourly values.
        var start = end - TimeSpan.FromDays(6) - TimeSpan.FromHours(23);
        var url = $"{baseUrl}/carbon-intensity/past-range?zone={Uri.EscapeDataString(zone)}&start={Stamp(start)}&end={Stamp(end)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("auth-token", token);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Shorten(body)}");
        }
        var points = new List<(DateTime, double)>();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in data.EnumerateArray())
                {
                    if (entry.TryGetProperty("carbonIntensity", out var value) && value.ValueKind == JsonValueKind.Number
                        && entry.TryGetProperty("datetime", out var time) && time.ValueKind == JsonValueKind.String
                        && DateTime.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
                    {
                        points.Add((DateTime.SpecifyKind(at, DateTimeKind.Utc), value.GetDouble()));
                    }
                }
            }
        }
        catch (JsonException e)
        {
            throw new HttpRequestException("the answer is not JSON: " + e.Message, e);
        }
        if (points.Count == 0) throw new HttpRequestException("the answer holds no hourly values");
        return new HourlySeries(zone, "Electricity Maps API past-range, lifecycle", points);
    }

    private static string Stamp(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length <= 200 ? text : text.Substring(0, 200) + "...";
}
