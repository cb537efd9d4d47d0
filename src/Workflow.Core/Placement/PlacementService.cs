using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Placement;

/// <summary>What the placement service reads from outside: the clock, the environment, HTTP.</summary>
public sealed record PlacementOptions
{
    /// <summary>Now; the carbon forecast is for its UTC day.</summary>
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;

    /// <summary>Reads ELECTRICITY_MAPS_AUTH_TOKEN and ELECTRICITY_MAPS_API_URL (the process environment by default).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The client for Electricity Maps' API; null for a shared one.</summary>
    public HttpClient? Http { get; init; }
}

/// <summary>
/// Carbon-aware placement (DESIGN §7) for one workflow home: collecting data into the run store
/// (Invoke-DataCollector) and building the problem a solver is given from it.
/// </summary>
public sealed class PlacementService
{
    private readonly IRunStore store;
    private readonly WorkflowCatalog catalog;
    private readonly PlacementOptions options;

    public PlacementService(IRunStore store, WorkflowCatalog catalog, PlacementOptions? options = null)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        this.options = options ?? new PlacementOptions();
    }

    /// <summary>
    /// Runs a collector and stores what it gathered (replacing earlier figures of the same key).
    /// <paramref name="regions"/> narrows provider, carbon and performance (default: every region of
    /// the bundled data); <paramref name="path"/> imports a file for carbon (an Electricity Maps
    /// export) or performance (a latency table); <paramref name="workflowId"/> is needed by workflow.
    /// All runs the four (workflow only with a workflow id).
    /// </summary>
    public async Task<CollectionResult> CollectAsync(
        DataCollector collector, string? workflowId, IReadOnlyList<string>? regions, string? path,
        IProgress<CollectionProgress>? progress, CancellationToken cancellationToken)
    {
        if (path != null && collector is not (DataCollector.Carbon or DataCollector.Performance))
        {
            throw new WorkflowException(WorkflowErrors.PlacementPathNotApplicable,
                $"-Path imports a file for the carbon or the performance collector, not for {collector.ToString().ToLowerInvariant()}. Run Invoke-DataCollector carbon -Path <file> or performance -Path <file>.", path);
        }
        if (collector == DataCollector.Workflow && string.IsNullOrWhiteSpace(workflowId))
        {
            throw new WorkflowException(WorkflowErrors.PlacementWorkflowIdRequired,
                "The workflow collector learns from one workflow's runs: give -WorkflowId (Get-Workflow lists them).");
        }
        // For one workflow that names its regions, those are the ones worth collecting (home and pins included).
        if ((regions == null || regions.Count == 0) && !string.IsNullOrWhiteSpace(workflowId) && WorkflowRegions(workflowId!) is { Count: > 0 } own)
        {
            regions = own;
        }
        var now = options.Clock();
        var api = collector is DataCollector.Carbon or DataCollector.All ? Api() : null;
        var result = await CollectRegionsAsync(collector, regions, path, api, now, progress, cancellationToken).ConfigureAwait(false);
        if (collector == DataCollector.Workflow || (collector == DataCollector.All && !string.IsNullOrWhiteSpace(workflowId)))
        {
            var definition = catalog.Load(workflowId!).Definition;
            result = result.Add(WorkflowCollector.Collect(store, definition, now, progress));
        }
        cancellationToken.ThrowIfCancellationRequested();
        CollectedData.Save(store, result);
        return result;
    }

    /// <summary>
    /// The provider, carbon and performance records of <paramref name="regions"/> as Invoke-DataCollector
    /// All gathers them offline at <paramref name="now"/> (bundled region and carbon data, the latency
    /// model; no API, no file) and without a store: for a tool that builds the problem itself with
    /// <see cref="PlacementProblemBuilder.Build"/> from these and its own step profiles (the placement bench).
    /// </summary>
    public static Task<CollectionResult> CollectOfflineAsync(IReadOnlyList<string> regions, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (regions is null || regions.Count == 0) throw new ArgumentException("Name the regions to collect.", nameof(regions));
        return CollectRegionsAsync(DataCollector.All, regions, null, null, now, null, cancellationToken);
    }

    /// <summary>The region collectors (provider, carbon, performance) the collector asks for.</summary>
    private static async Task<CollectionResult> CollectRegionsAsync(
        DataCollector collector, IReadOnlyList<string>? regions, string? path, ElectricityMapsClient? api, DateTimeOffset now,
        IProgress<CollectionProgress>? progress, CancellationToken cancellationToken)
    {
        var selected = ProviderCollector.Select(regions);
        var result = new CollectionResult();
        if (collector is DataCollector.Provider or DataCollector.All)
        {
            result = result.Add(ProviderCollector.Collect(selected, now, progress));
        }
        if (collector is DataCollector.Carbon or DataCollector.All)
        {
            var carbon = new CarbonCollector(path, api);
            result = result.Add(await carbon.CollectAsync(selected, now, progress, cancellationToken).ConfigureAwait(false));
        }
        if (collector is DataCollector.Performance or DataCollector.All)
        {
            result = result.Add(path != null
                ? LatencyCollector.Import(path, regions == null || regions.Count == 0 ? null : selected, now)
                : LatencyCollector.Collect(selected, now, progress));
        }
        return result;
    }

    private IReadOnlyList<string> WorkflowRegions(string workflowId)
    {
        var definition = catalog.Load(workflowId).Definition;
        if (definition.Regions.Allowed.Count == 0) return Array.Empty<string>();
        return new[] { definition.HomeRegion }.Concat(definition.Regions.Allowed).Concat(definition.Steps.SelectMany(s => s.Regions))
            .Where(r => r != Format.PlacementReader.LocalRegion).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>The placement problem of a published workflow from the data collected so far (see <see cref="PlacementProblemBuilder"/>).</summary>
    public PlacementProblem BuildProblem(string workflowId) =>
        PlacementProblemBuilder.FromStore(store, catalog.Load(workflowId).Definition);

    /// <summary>
    /// The plans of the hours asked (all 24 when null), from the data collected so far: the problem
    /// is built (a gap is an error naming the collector to run, or a labelled assumption), then
    /// solved off the caller's thread. <paramref name="hoursDone"/> is told each hour planned.
    /// </summary>
    public Task<IReadOnlyList<DeploymentPlan>> FindAsync(string workflowId, IReadOnlyList<int>? hours, PlacementAlgorithm algorithm, TimeSpan? timeBudget,
        IProgress<int>? hoursDone, CancellationToken cancellationToken)
    {
        var problem = BuildProblem(workflowId);
        var asked = hours is { Count: > 0 } ? hours.Distinct().OrderBy(h => h).ToList() : Enumerable.Range(0, 24).ToList();
        return Task.Run(() => PlacementSolver.Solve(problem, asked, algorithm, timeBudget, hoursDone, cancellationToken), cancellationToken);
    }

    private ElectricityMapsClient? Api()
    {
        var token = options.Environment(ElectricityMapsClient.TokenVariable);
        return string.IsNullOrWhiteSpace(token) ? null : new ElectricityMapsClient(token!, options.Environment(ElectricityMapsClient.UrlVariable), options.Http);
    }
}
