using System.Collections.Generic;
using Microsoft.Data.Sqlite;
using Workflow.Model;

namespace Workflow.Store;

/// <summary>The SQL of the <c>collected</c> table (schema version 3): collected figures, one row per collector and key.</summary>
internal static class SqliteCollectedQueries
{
    public static void Save(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<CollectedRecord> records)
    {
        // INSERT OR REPLACE on the primary key: collecting again replaces, never duplicates.
        using var command = SqliteValues.Command(connection, transaction,
            "INSERT OR REPLACE INTO collected (collector, key, record_json, collected_at) VALUES ($collector, $key, $json, $at);");
        var collector = SqliteValues.Parameter(command, "$collector");
        var key = SqliteValues.Parameter(command, "$key");
        var json = SqliteValues.Parameter(command, "$json");
        var at = SqliteValues.Parameter(command, "$at");
        foreach (var record in records)
        {
            collector.Value = record.Collector.ToString();
            key.Value = record.Key;
            json.Value = record.RecordJson;
            at.Value = SqliteValues.ToDb(record.CollectedAt);
            command.ExecuteNonQuery();
        }
    }

    public static IReadOnlyList<CollectedRecord> Get(SqliteConnection connection, SqliteTransaction transaction, DataCollector collector, string? keyPrefix)
    {
        // substr rather than LIKE: keys hold '|' and region names, and a prefix must match exactly.
        using var command = SqliteValues.Command(connection, transaction,
            "SELECT collector, key, record_json, collected_at FROM collected WHERE collector = $collector AND ($prefix IS NULL OR substr(key, 1, length($prefix)) = $prefix) ORDER BY key;",
            ("$collector", collector.ToString()), ("$prefix", SqliteValues.Db(keyPrefix)));
        using var reader = command.ExecuteReader();
        var records = new List<CollectedRecord>();
        while (reader.Read())
        {
            records.Add(new CollectedRecord(SqliteValues.State<DataCollector>(reader, 0), reader.GetString(1), reader.GetString(2), SqliteValues.Time(reader, 3)));
        }
        return records;
    }
}
