using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Tests.Placement;

/// <summary>
/// PlacementService.CollectOfflineAsync, the entry point the placement bench builds its problems through:
/// the same records as Invoke-DataCollector All without a token, and so the same problem as the store gives.
/// </summary>
public sealed class OfflineCollectionTests
{
    private static readonly string[] Regions = { "aws:us-east-1", "aws:eu-north-1", "aws:ca-central-1", "aws:us-west-1" };

    private static string Json(object value) => JsonSerializer.Serialize(value, value.GetType());

    [Fact]
    public async Task Offline_collection_gives_the_records_that_collecting_All_without_a_token_stores()
    {
        using var home = new PlacementHome();
        var stored = await home.CollectAsync(DataCollector.All, Regions);

        var offline = await PlacementService.CollectOfflineAsync(Regions, PlacementHome.Today, CancellationToken.None);

        Assert.Empty(offline.Messages);
        Assert.Equal(4, offline.Facts.Count);
        Assert.Equal(4 * 24, offline.Carbon.Count);
        Assert.Equal(4 * 4, offline.Latencies.Count);
        Assert.Equal(stored.Records.Select(Json), offline.Records.Select(Json));
        Assert.All(offline.Carbon, c => Assert.Equal(new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero), c.ForDate));
    }

    [Fact]
    public async Task The_problem_built_from_offline_records_is_the_one_Find_WorkflowDeployment_builds_from_the_store()
    {
        var definition = new WorkflowDefinition
        {
            Name = "flow",
            Version = "1.0.0",
            HomeRegion = "aws:us-east-1",
            Regions = new RegionSpec { Allowed = Regions, Disallowed = new[] { "aws:ca-central-1" } },
            Steps = new[]
            {
                new StepDefinition { Name = "split", Run = "s.ps1" },
                new StepDefinition { Name = "resize", Needs = new[] { "split" }, Run = "s.ps1" },
            },
        };
        var steps = new[] { "split", "resize" }.Select(step => new StepProfile
        {
            WorkflowId = definition.WorkflowId,
            Step = step,
            RuntimeSeconds = new Dictionary<string, IReadOnlyList<double>> { ["aws:us-east-1"] = new[] { 1.0, 2.0 } },
            OutputBytes = new[] { 1e6 },
            RunProbability = 1,
            Runs = 2,
            Source = "test profile",
        }).ToList();
        using var home = new PlacementHome();
        await home.CollectAsync(DataCollector.All, Regions);
        CollectedData.Save(home.Engine.Store, new CollectionResult { Steps = steps });

        var fromStore = PlacementProblemBuilder.FromStore(home.Engine.Store, definition);
        var records = await PlacementService.CollectOfflineAsync(Regions, PlacementHome.Today, CancellationToken.None);
        var offline = PlacementProblemBuilder.Build(definition, records.Facts, records.Carbon, records.Latencies, steps);

        Assert.Equal(new[] { "aws:us-east-1", "aws:eu-north-1", "aws:us-west-1" }, offline.Regions);
        Assert.Equal(Json(fromStore), Json(offline));
    }

    [Fact]
    public async Task Offline_collection_names_its_regions_and_knows_them()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => PlacementService.CollectOfflineAsync(Array.Empty<string>(), PlacementHome.Today, CancellationToken.None));
        var e = await Assert.ThrowsAsync<WorkflowException>(() => PlacementService.CollectOfflineAsync(new[] { "aws:mars-north-1" }, PlacementHome.Today, CancellationToken.None));
        Assert.Equal(WorkflowErrors.PlacementRegionUnknown, e.Error);
    }
}
