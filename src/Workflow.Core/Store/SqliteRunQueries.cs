using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;
using Workflow.Model;
using Workflow.Placement;
using static Workflow.Store.SqliteValues;

namespace Workflow.Store;

/// <summary>The SQL for workflows and runs, mapping rows to the model's records. Callers hold the store's lock.</summary>
internal static class SqliteRunQueries
{
    private const string WorkflowColumns =
        "workflow_id, name, version, description, home_region, step_count, content_hash, published_at, source_path, definition_text";
    private const string RunColumns =
        "run_id, workflow_id, state, argument_json, created_at, started_at, ended_at, error, owner, heartbeat_at";
    private const string StepColumns = "run_id, step, state, attempt, item_count, started_at, ended_at, error, region";

    public static void SaveWorkflow(SqliteConnection connection, SqliteTransaction transaction, WorkflowInfo w)
    {
        using var command = Command(connection, transaction, $"""
            INSERT INTO workflows ({WorkflowColumns})
            VALUES ($id, $name, $version, $description, $region, $steps, $hash, $published, $source, $definition)
            ON CONFLICT (workflow_id) DO UPDATE SET
                name = excluded.name, version = excluded.version, description = excluded.description,
                home_region = excluded.home_region, step_count = excluded.step_count,
                content_hash = excluded.content_hash, published_at = excluded.published_at,
                source_path = excluded.source_path, definition_text = excluded.definition_text;
            """,
            ("$id", w.WorkflowId), ("$name", w.Name), ("$version", w.Version), ("$description", Db(w.Description)),
            ("$region", w.HomeRegion), ("$steps", w.StepCount), ("$hash", w.ContentHash), ("$published", ToDb(w.PublishedAt)),
            ("$source", w.SourcePath), ("$definition", w.DefinitionText));
        command.ExecuteNonQuery();
    }

    /// <summary>One workflow by id, or all of them in id order when <paramref name="workflowId"/> is null.</summary>
    public static IReadOnlyList<WorkflowInfo> GetWorkflows(SqliteConnection connection, SqliteTransaction transaction, string? workflowId)
    {
        using var command = Command(connection, transaction,
            $"SELECT {WorkflowColumns} FROM workflows WHERE $id IS NULL OR workflow_id = $id ORDER BY workflow_id;",
            ("$id", Db(workflowId)));
        using var reader = command.ExecuteReader();
        var workflows = new List<WorkflowInfo>();
        while (reader.Read())
        {
            workflows.Add(new WorkflowInfo
            {
                WorkflowId = reader.GetString(0),
                Name = reader.GetString(1),
                Version = reader.GetString(2),
                Description = NullableString(reader, 3),
                HomeRegion = reader.GetString(4),
                StepCount = reader.GetInt32(5),
                ContentHash = reader.GetString(6),
                PublishedAt = Time(reader, 7),
                SourcePath = reader.GetString(8),
                DefinitionText = reader.GetString(9),
            });
        }
        return workflows;
    }

    public static void SaveDeployment(SqliteConnection connection, SqliteTransaction transaction, DeploymentRecord d)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO deployments (workflow_id, region, record_json, published_at) VALUES ($id, $region, $record, $at)
            ON CONFLICT (workflow_id, region) DO UPDATE SET record_json = excluded.record_json, published_at = excluded.published_at;
            """,
            ("$id", d.WorkflowId), ("$region", d.Region), ("$record", d.RecordJson), ("$at", ToDb(d.PublishedAt)));
        command.ExecuteNonQuery();
    }

    public static IReadOnlyList<DeploymentRecord> GetDeployments(SqliteConnection connection, SqliteTransaction transaction, string? workflowId)
    {
        using var command = Command(connection, transaction,
            "SELECT workflow_id, region, record_json, published_at FROM deployments WHERE $id IS NULL OR workflow_id = $id ORDER BY workflow_id, region;",
            ("$id", Db(workflowId)));
        using var reader = command.ExecuteReader();
        var deployments = new List<DeploymentRecord>();
        while (reader.Read())
        {
            deployments.Add(new DeploymentRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), Time(reader, 3)));
        }
        return deployments;
    }

    public static bool RemoveDeployment(SqliteConnection connection, SqliteTransaction transaction, string workflowId, string region)
    {
        using var command = Command(connection, transaction, "DELETE FROM deployments WHERE workflow_id = $id AND region = $region;",
            ("$id", workflowId), ("$region", region));
        return command.ExecuteNonQuery() > 0;
    }

    public static void SavePlacement(SqliteConnection connection, SqliteTransaction transaction, WorkflowPlacement placement)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO placements (workflow_id, placement_json, applied_at) VALUES ($id, $json, $at)
            ON CONFLICT (workflow_id) DO UPDATE SET placement_json = excluded.placement_json, applied_at = excluded.applied_at;
            """,
            ("$id", placement.WorkflowId), ("$json", PlacementJson.Write(placement)), ("$at", ToDb(placement.AppliedAt)));
        command.ExecuteNonQuery();
    }

    public static WorkflowPlacement? GetPlacement(SqliteConnection connection, SqliteTransaction transaction, string workflowId)
    {
        using var command = Command(connection, transaction, "SELECT placement_json FROM placements WHERE workflow_id = $id;", ("$id", workflowId));
        return command.ExecuteScalar() is string json ? PlacementJson.Read(json) : null;
    }

    public static bool RemovePlacement(SqliteConnection connection, SqliteTransaction transaction, string workflowId)
    {
        using var command = Command(connection, transaction, "DELETE FROM placements WHERE workflow_id = $id;", ("$id", workflowId));
        return command.ExecuteNonQuery() > 0;
    }

    public static IReadOnlyCollection<string> GetSyncedKeys(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        using var command = Command(connection, transaction, "SELECT key FROM synced_objects WHERE run_id = $run;", ("$run", runId));
        using var reader = command.ExecuteReader();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read()) keys.Add(reader.GetString(0));
        return keys;
    }

    public static bool RemoveWorkflow(SqliteConnection connection, SqliteTransaction transaction, string workflowId)
    {
        // Step runs, items, history and logs go with their runs (ON DELETE CASCADE).
        using var runs = Command(connection, transaction, "DELETE FROM runs WHERE workflow_id = $id;", ("$id", workflowId));
        runs.ExecuteNonQuery();
        using var deployments = Command(connection, transaction, "DELETE FROM deployments WHERE workflow_id = $id;", ("$id", workflowId));
        deployments.ExecuteNonQuery();
        RemovePlacement(connection, transaction, workflowId);
        using var workflow = Command(connection, transaction, "DELETE FROM workflows WHERE workflow_id = $id;", ("$id", workflowId));
        return workflow.ExecuteNonQuery() > 0;
    }

    public static void CreateRun(SqliteConnection connection, SqliteTransaction transaction, WorkflowRun run, IReadOnlyList<string> steps)
    {
        using (var exists = Command(connection, transaction, "SELECT 1 FROM runs WHERE run_id = $id;", ("$id", run.RunId)))
        {
            if (exists.ExecuteScalar() != null)
            {
                throw SqliteStoreErrors.RunExists(run.RunId);
            }
        }
        var created = ToDb(run.CreatedAt);
        var queued = RunState.Queued.ToString();
        using (var insert = Command(connection, transaction, $"""
            INSERT INTO runs ({RunColumns})
            VALUES ($id, $workflow, $state, $arguments, $created, NULL, NULL, NULL, $owner, $heartbeat);
            """,
            ("$id", run.RunId), ("$workflow", run.WorkflowId), ("$state", queued), ("$arguments", run.ArgumentJson),
            ("$created", created), ("$owner", Db(run.Owner)), ("$heartbeat", Db(run.HeartbeatAt))))
        {
            insert.ExecuteNonQuery();
        }

        using var history = Command(connection, transaction,
            "INSERT INTO state_history (run_id, step, state, time) VALUES ($id, $step, $state, $time);");
        var historyStep = Parameter(history, "$step");
        var historyState = Parameter(history, "$state");
        history.Parameters.AddWithValue("$id", run.RunId);
        history.Parameters.AddWithValue("$time", created);
        historyStep.Value = DBNull.Value;
        historyState.Value = queued;
        history.ExecuteNonQuery();

        using var step = Command(connection, transaction,
            "INSERT INTO step_runs (run_id, step, ordinal, state, attempt) VALUES ($id, $step, $ordinal, $state, 0);");
        var stepName = Parameter(step, "$step");
        var ordinal = Parameter(step, "$ordinal");
        var pending = StepState.Pending.ToString();
        step.Parameters.AddWithValue("$id", run.RunId);
        step.Parameters.AddWithValue("$state", pending);
        historyState.Value = pending;
        for (var i = 0; i < steps.Count; i++)
        {
            stepName.Value = steps[i];
            ordinal.Value = i;
            step.ExecuteNonQuery();
            historyStep.Value = steps[i];
            history.ExecuteNonQuery();
        }
    }

    /// <summary>One run by id, or the runs (of a workflow, when given) newest first.</summary>
    public static IReadOnlyList<WorkflowRun> GetRuns(
        SqliteConnection connection, SqliteTransaction transaction, string? runId, string? workflowId, bool includeSteps)
    {
        const string Filter = "($run IS NULL OR run_id = $run) AND ($workflow IS NULL OR workflow_id = $workflow)";
        var runs = new List<WorkflowRun>();
        using (var command = Command(connection, transaction,
            $"SELECT {RunColumns} FROM runs WHERE {Filter} ORDER BY created_at DESC, run_id;",
            ("$run", Db(runId)), ("$workflow", Db(workflowId))))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                runs.Add(new WorkflowRun
                {
                    RunId = reader.GetString(0),
                    WorkflowId = reader.GetString(1),
                    State = State<RunState>(reader, 2),
                    ArgumentJson = reader.GetString(3),
                    CreatedAt = Time(reader, 4),
                    StartedAt = NullableTime(reader, 5),
                    EndedAt = NullableTime(reader, 6),
                    Error = NullableString(reader, 7),
                    Owner = NullableString(reader, 8),
                    HeartbeatAt = NullableTime(reader, 9),
                });
            }
        }
        if (!includeSteps || runs.Count == 0)
        {
            return runs;
        }

        var steps = new Dictionary<string, List<StepRun>>(StringComparer.Ordinal);
        using (var command = Command(connection, transaction, $"""
            SELECT {StepColumns} FROM step_runs
            WHERE run_id IN (SELECT run_id FROM runs WHERE {Filter})
            ORDER BY run_id, ordinal;
            """,
            ("$run", Db(runId)), ("$workflow", Db(workflowId))))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var step = new StepRun
                {
                    RunId = reader.GetString(0),
                    Step = reader.GetString(1),
                    State = State<StepState>(reader, 2),
                    Attempt = reader.GetInt32(3),
                    ItemCount = NullableInt(reader, 4),
                    StartedAt = NullableTime(reader, 5),
                    EndedAt = NullableTime(reader, 6),
                    Error = NullableString(reader, 7),
                    Region = NullableString(reader, 8),
                };
                if (!steps.TryGetValue(step.RunId, out var list))
                {
                    steps.Add(step.RunId, list = new List<StepRun>());
                }
                list.Add(step);
            }
        }
        for (var i = 0; i < runs.Count; i++)
        {
            if (steps.TryGetValue(runs[i].RunId, out var list))
            {
                runs[i] = runs[i] with { Steps = list };
            }
        }
        return runs;
    }

    public static IReadOnlyList<StepRecord> GetStepRecords(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        using var command = Command(connection, transaction,
            "SELECT step, state, attempt, item_count, output_json, error FROM step_runs WHERE run_id = $run ORDER BY ordinal;",
            ("$run", runId));
        using var reader = command.ExecuteReader();
        var records = new List<StepRecord>();
        while (reader.Read())
        {
            records.Add(new StepRecord(
                reader.GetString(0), State<StepState>(reader, 1), reader.GetInt32(2),
                NullableInt(reader, 3), NullableString(reader, 4), NullableString(reader, 5)));
        }
        return records;
    }

    public static IReadOnlyList<ItemRecord> GetItemRecords(SqliteConnection connection, SqliteTransaction transaction, string runId, string step)
    {
        using var command = Command(connection, transaction,
            "SELECT item, state, attempt, output_json, error FROM step_items WHERE run_id = $run AND step = $step ORDER BY item;",
            ("$run", runId), ("$step", step));
        using var reader = command.ExecuteReader();
        var records = new List<ItemRecord>();
        while (reader.Read())
        {
            records.Add(new ItemRecord(
                reader.GetInt32(0), State<StepState>(reader, 1), reader.GetInt32(2),
                NullableString(reader, 3), NullableString(reader, 4)));
        }
        return records;
    }

    public static IReadOnlyList<WorkflowLogRecord> GetLogs(SqliteConnection connection, SqliteTransaction transaction, string runId, string? step)
    {
        using var command = Command(connection, transaction, """
            SELECT time, run_id, step, item, attempt, stream, message FROM logs
            WHERE run_id = $run AND ($step IS NULL OR step = $step) ORDER BY id;
            """,
            ("$run", runId), ("$step", Db(step)));
        using var reader = command.ExecuteReader();
        var records = new List<WorkflowLogRecord>();
        while (reader.Read())
        {
            records.Add(new WorkflowLogRecord
            {
                Time = Time(reader, 0),
                RunId = reader.GetString(1),
                Step = reader.GetString(2),
                Item = NullableInt(reader, 3),
                Attempt = reader.GetInt32(4),
                Stream = reader.GetString(5),
                Message = reader.GetString(6),
            });
        }
        return records;
    }

    public static IReadOnlyList<StateChange> GetHistory(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        using var command = Command(connection, transaction,
            "SELECT time, run_id, step, item, state, detail FROM state_history WHERE run_id = $run ORDER BY id;",
            ("$run", runId));
        using var reader = command.ExecuteReader();
        var changes = new List<StateChange>();
        while (reader.Read())
        {
            changes.Add(new StateChange
            {
                Time = Time(reader, 0),
                RunId = reader.GetString(1),
                Step = NullableString(reader, 2),
                Item = NullableInt(reader, 3),
                State = reader.GetString(4),
                Detail = NullableString(reader, 5),
            });
        }
        return changes;
    }

    public static bool TryClaimRun(
        SqliteConnection connection, SqliteTransaction transaction, string runId, string? expectedOwner, string owner, DateTimeOffset now)
    {
        // IS, not =, so an expected null matches a run nobody owns.
        using var command = Command(connection, transaction,
            "UPDATE runs SET owner = $owner, heartbeat_at = $now WHERE run_id = $run AND owner IS $expected;",
            ("$owner", owner), ("$now", ToDb(now)), ("$run", runId), ("$expected", Db(expectedOwner)));
        return command.ExecuteNonQuery() == 1;
    }

    public static void Heartbeat(
        SqliteConnection connection, SqliteTransaction transaction, string owner, IReadOnlyCollection<string> runIds, DateTimeOffset now)
    {
        using var command = Command(connection, transaction,
            "UPDATE runs SET heartbeat_at = $now WHERE run_id = $run AND owner = $owner;",
            ("$owner", owner), ("$now", ToDb(now)));
        var run = Parameter(command, "$run");
        foreach (var runId in runIds)
        {
            run.Value = runId;
            command.ExecuteNonQuery();
        }
    }
}
