using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Workflow.Model;
using static Workflow.Store.SqliteValues;

namespace Workflow.Store;

/// <summary>
/// Writes the engine's changes with commands prepared once per connection: the engine sends thousands
/// of step changes a second, and re-preparing each statement would cost more than executing it.
/// Not thread-safe: the store calls it under its lock, inside its write transaction.
/// </summary>
internal sealed class SqliteChangeWriter : IDisposable
{
    private readonly Statement runExists;
    private readonly Statement runState;
    private readonly Statement release;
    private readonly Statement stepState;
    private readonly Statement attemptStarted;
    private readonly Statement itemState;
    private readonly Statement log;
    private readonly Statement history;
    private readonly Statement synced;
    private readonly Statement[] all;
    private readonly HashSet<string> knownRuns = new(StringComparer.Ordinal);

    public SqliteChangeWriter(SqliteConnection connection)
    {
        runExists = new Statement(connection, "SELECT 1 FROM runs WHERE run_id = $run;", "$run");
        runState = new Statement(connection, """
            UPDATE runs SET
                state = $state,
                started_at = CASE WHEN $state = 'Running' THEN coalesce(started_at, $time) ELSE started_at END,
                ended_at = CASE WHEN $final THEN $time ELSE NULL END,
                error = $error,
                owner = CASE WHEN $final THEN NULL ELSE owner END
            WHERE run_id = $run;
            """, "$run", "$state", "$time", "$final", "$error");
        release = new Statement(connection, "UPDATE runs SET owner = NULL WHERE run_id = $run AND owner = $owner;", "$run", "$owner");
        stepState = new Statement(connection, """
            UPDATE step_runs SET
                state = $state,
                attempt = CASE WHEN $attempt > 0 THEN $attempt ELSE attempt END,
                item_count = coalesce($items, item_count),
                output_json = coalesce($output, output_json),
                error = $error,
                region = coalesce($region, region),
                started_at = CASE WHEN $state = 'Running' THEN coalesce(started_at, $time) ELSE started_at END,
                ended_at = CASE WHEN $final THEN $time ELSE NULL END
            WHERE run_id = $run AND step = $step;
            """, "$run", "$step", "$state", "$attempt", "$items", "$output", "$error", "$time", "$final", "$region");
        attemptStarted = new Statement(connection,
            "UPDATE step_runs SET attempt = max(attempt, $attempt) WHERE run_id = $run AND step = $step;",
            "$run", "$step", "$attempt");
        itemState = new Statement(connection, """
            INSERT INTO step_items (run_id, step, item, state, attempt, output_json, error)
            VALUES ($run, $step, $item, $state, $attempt, $output, $error)
            ON CONFLICT (run_id, step, item) DO UPDATE SET
                state = excluded.state, attempt = excluded.attempt,
                output_json = excluded.output_json, error = excluded.error;
            """, "$run", "$step", "$item", "$state", "$attempt", "$output", "$error");
        log = new Statement(connection, """
            INSERT INTO logs (run_id, step, item, attempt, stream, message, time)
            VALUES ($run, $step, $item, $attempt, $stream, $message, $time);
            """, "$run", "$step", "$item", "$attempt", "$stream", "$message", "$time");
        history = new Statement(connection, """
            INSERT INTO state_history (run_id, step, item, state, time, detail)
            VALUES ($run, $step, $item, $state, $time, $detail);
            """, "$run", "$step", "$item", "$state", "$time", "$detail");
        synced = new Statement(connection, "INSERT OR IGNORE INTO synced_objects (run_id, key) VALUES ($run, $key);", "$run", "$key");
        all = new[] { runExists, runState, release, stepState, attemptStarted, itemState, log, history, synced };
    }

    /// <summary>Writes the changes in order; throws WorkflowRunNotFound / WorkflowStepNotFound so the caller rolls back.</summary>
    public void Write(SqliteTransaction transaction, IReadOnlyList<StoreChange> changes)
    {
        // Verified once per run per transaction: a batch is mostly one run's changes.
        knownRuns.Clear();
        foreach (var statement in all)
        {
            statement.Command.Transaction = transaction;
        }
        foreach (var change in changes)
        {
            if (change is null)
            {
                throw new ArgumentException("A change in the list is null.", nameof(changes));
            }
            EnsureRun(change.RunId);
            switch (change)
            {
                case RunStateChange c:
                    Execute(runState, c.RunId, c.State.ToString(), ToDb(c.Time), c.State.IsFinal(), Db(c.Error));
                    History(c.RunId, null, null, c.State.ToString(), c.Time, c.Error);
                    break;
                case RunInterrupted c:
                    // A run another session has taken over meanwhile is not this session's to let go.
                    if (Execute(release, c.RunId, c.Owner) > 0)
                    {
                        History(c.RunId, null, null, "Interrupted", c.Time, c.Detail);
                    }
                    break;
                case StepStateChange c:
                    if (Execute(stepState, c.RunId, c.Step, c.State.ToString(), c.Attempt, Db(c.ItemCount), Db(c.OutputJson), Db(c.Error), ToDb(c.Time), c.State.IsFinal(), Db(c.Region)) == 0)
                    {
                        throw SqliteStoreErrors.StepNotFound(c.RunId, c.Step);
                    }
                    History(c.RunId, c.Step, null, c.State.ToString(), c.Time, c.Error);
                    break;
                case AttemptStarted c:
                    // A foreach step's attempt is the highest of its items' attempts.
                    if (Execute(attemptStarted, c.RunId, c.Step, c.Attempt) == 0)
                    {
                        throw SqliteStoreErrors.StepNotFound(c.RunId, c.Step);
                    }
                    History(c.RunId, c.Step, c.Item, "AttemptStarted", c.Time, "attempt " + c.Attempt.ToString(CultureInfo.InvariantCulture));
                    break;
                case ItemStateChange c:
                    try
                    {
                        Execute(itemState, c.RunId, c.Step, c.Item, c.State.ToString(), c.Attempt, Db(c.OutputJson), Db(c.Error));
                    }
                    catch (SqliteException e) when (SqliteStoreErrors.IsConstraint(e))
                    {
                        // The foreign key to step_runs: the run exists (checked above), so the step does not.
                        throw SqliteStoreErrors.StepNotFound(c.RunId, c.Step);
                    }
                    History(c.RunId, c.Step, c.Item, c.State.ToString(), c.Time, c.Error);
                    break;
                case LogAppended c:
                    var r = c.Record;
                    Execute(log, r.RunId, r.Step, Db(r.Item), r.Attempt, r.Stream, r.Message, ToDb(r.Time));
                    break;
                case RemoteObjectSynced c:
                    Execute(synced, c.RunId, c.Key);
                    break;
                default:
                    throw new ArgumentException($"The store does not know the change {change.GetType().Name}.", nameof(changes));
            }
        }
    }

    public void Dispose()
    {
        foreach (var statement in all)
        {
            statement.Command.Dispose();
        }
    }

    private void EnsureRun(string runId)
    {
        if (knownRuns.Contains(runId))
        {
            return;
        }
        runExists.Parameters[0].Value = runId;
        if (runExists.Command.ExecuteScalar() is null)
        {
            throw SqliteStoreErrors.RunNotFound(runId);
        }
        knownRuns.Add(runId);
    }

    private void History(string runId, string? step, int? item, string state, DateTimeOffset time, string? detail) =>
        Execute(history, runId, Db(step), Db(item), state, ToDb(time), Db(detail));

    private static int Execute(Statement statement, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            statement.Parameters[i].Value = values[i];
        }
        return statement.Command.ExecuteNonQuery();
    }

    /// <summary>A command kept prepared, with its parameters in the order Execute passes values.</summary>
    private sealed class Statement
    {
        public Statement(SqliteConnection connection, string sql, params string[] parameterNames)
        {
            Command = SqliteValues.Command(connection, null, sql);
            Parameters = new SqliteParameter[parameterNames.Length];
            for (var i = 0; i < parameterNames.Length; i++)
            {
                Parameters[i] = Parameter(Command, parameterNames[i]);
            }
        }

        public SqliteCommand Command { get; }
        public SqliteParameter[] Parameters { get; }
    }
}
