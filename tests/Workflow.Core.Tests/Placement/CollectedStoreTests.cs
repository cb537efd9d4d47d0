using System;
using Microsoft.Data.Sqlite;
using Workflow.Model;
using Workflow.Store;
using Workflow.Tests.Store;

namespace Workflow.Tests.Placement;

/// <summary>The run store keeps collected records per collector and key, and older stores gain the table on open.</summary>
public sealed class CollectedStoreTests : IDisposable
{
    private readonly TempStoreFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_record_replaces_the_one_of_the_same_collector_and_key_and_prefixes_select_keys()
    {
        using var store = folder.Open();
        var at = TempStoreFolder.T0;

        store.SaveCollected(new[]
        {
            new CollectedRecord(DataCollector.Workflow, "a-1.0.0|split", "{\"v\":1}", at),
            new CollectedRecord(DataCollector.Workflow, "a-1.0.0|join", "{\"v\":1}", at),
            new CollectedRecord(DataCollector.Workflow, "a-1.0.01|split", "{\"v\":1}", at),
            new CollectedRecord(DataCollector.Provider, "aws:us-east-1", "{}", at),
        });
        store.SaveCollected(new[] { new CollectedRecord(DataCollector.Workflow, "a-1.0.0|split", "{\"v\":2}", at.AddHours(1)) });

        var steps = store.GetCollected(DataCollector.Workflow, "a-1.0.0|");
        Assert.Equal(new[] { "a-1.0.0|join", "a-1.0.0|split" }, new[] { steps[0].Key, steps[1].Key });
        Assert.Equal("{\"v\":2}", steps[1].RecordJson);
        Assert.Equal(at.AddHours(1), steps[1].CollectedAt);
        Assert.Equal(3, store.GetCollected(DataCollector.Workflow).Count);
        Assert.Single(store.GetCollected(DataCollector.Provider));
        Assert.Empty(store.GetCollected(DataCollector.Carbon));
    }

    [Fact]
    public void A_store_of_schema_3_opens_with_its_workflows_and_gains_the_collected_table()
    {
        using (var store = folder.Open())
        {
            store.SaveWorkflow(TempStoreFolder.PublishedWorkflow());
        }
        using (var connection = new SqliteConnection($"Data Source={folder.StorePath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE collected; UPDATE schema_info SET version = 3;";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        using var reopened = folder.Open();

        Assert.NotNull(reopened.GetWorkflow("img-1.0.0"));
        reopened.SaveCollected(new[] { new CollectedRecord(DataCollector.Carbon, "aws:us-east-1|00", "{}", TempStoreFolder.T0) });
        Assert.Single(reopened.GetCollected(DataCollector.Carbon));
    }
}
