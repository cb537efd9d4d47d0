using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Placement;
using Workflow.Tests.Engine;

namespace Workflow.Tests.Placement;

/// <summary>
/// An engine home for placement tests, with a PlacementService whose clock and environment the test
/// sets: the carbon forecast day is fixed, and no ELECTRICITY_MAPS_* variable of the machine leaks in.
/// </summary>
internal sealed class PlacementHome : IDisposable
{
    /// <summary>The forecast day of most tests: a day after the bundled 2024 data, so the same days of 2024 stand for it.</summary>
    public static readonly DateTimeOffset Today = new(2025, 12, 1, 10, 30, 0, TimeSpan.Zero);

    public PlacementHome(IReadOnlyDictionary<string, string>? environment = null, DateTimeOffset? now = null)
    {
        Engine = Home.Open();
        var variables = environment ?? new Dictionary<string, string>();
        Service = new PlacementService(Engine.Store, Engine.Catalog, new PlacementOptions
        {
            Clock = () => now ?? Today,
            Environment = name => variables.TryGetValue(name, out var value) ? value : null,
        });
    }

    public EngineHome Home { get; } = new();
    public WorkflowEngine Engine { get; }
    public PlacementService Service { get; }

    public Task<CollectionResult> CollectAsync(DataCollector collector, string[]? regions = null, string? path = null, string? workflowId = null) =>
        Service.CollectAsync(collector, workflowId, regions, path, null, CancellationToken.None);

    /// <summary>Writes a file under the home's folder and returns its path.</summary>
    public string WriteFile(string name, string text)
    {
        var path = Path.Combine(Home.Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Home.Dispose();

    /// <summary>
    /// The hourly lifecycle values of a zone as the repository ships them, read here without the
    /// module's parser: (UTC time, gCO2eq/kWh).
    /// </summary>
    public static IReadOnlyList<(DateTime Time, double Grams)> ShippedSeries(string zone)
    {
        var file = Path.Combine(ErrorCatalogTests.RepositoryRoot(), "src", "Workflow.Core", "Placement", "Data", "hourly-2024", zone + ".csv.gz");
        using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd().Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))
            .Select(f => (DateTime.Parse(f[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), double.Parse(f[1], CultureInfo.InvariantCulture)))
            .ToList();
    }
}
