using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.Data.Sqlite;
using Workflow.Model;

namespace Workflow.Store;

/// <summary>
/// The local run store: one SQLite file in WAL mode, shared safely by every session and process that
/// opens it. Each instance keeps one connection, used under a lock for reads and writes alike; writes
/// are immediate transactions, so two processes queue for the file instead of losing a change.
/// </summary>
public sealed class SqliteRunStore : IRunStore
{
    // Beyond busy_timeout (10 s) and Microsoft.Data.Sqlite's own retry: a few more tries for a
    // BUSY that SQLite returns at once (a checkpoint or WAL recovery in another process).
    private const int BusyRetries = 4;
    private static readonly TimeSpan BusyBackoff = TimeSpan.FromMilliseconds(50);

    private readonly object gate = new();
    private readonly SqliteConnection connection;
    private readonly SqliteChangeWriter writer;
    private bool disposed;

    private SqliteRunStore(string location, SqliteConnection connection)
    {
        Location = location;
        this.connection = connection;
        writer = new SqliteChangeWriter(connection);
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating the folder and the file if they are missing
    /// and migrating an older file. Throws WorkflowException: WorkflowStoreCorrupt (not a SQLite file; it is
    /// left untouched), WorkflowStoreReadOnly (the file or folder cannot be written), WorkflowStoreTooNew
    /// (written by a newer version).
    /// </summary>
    public static SqliteRunStore Open(string path) => Open(path, SqliteOpenMode.ReadWriteCreate);

    // The mode is a seam for tests: as root no file is read-only, but a read-only connection meets
    // the same SQLITE_READONLY a user's read-only file gives.
    internal static SqliteRunStore Open(string path, SqliteOpenMode mode)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }
        var location = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(location)!);
        }
        catch (Exception e) when (SqliteStoreErrors.IsFolderFailure(e))
        {
            throw SqliteStoreErrors.FolderNotCreated(location, e);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = location,
            Mode = mode,
            Pooling = true,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            SqliteSchema.Prepare(connection, location);
            return new SqliteRunStore(location, connection);
        }
        catch (Exception e)
        {
            // Drop the pooled handle too: a pooled handle on a bad file would keep it open (on Windows,
            // locked) after we said to move it aside.
            SqliteConnection.ClearPool(connection);
            connection.Dispose();
            if (e is SqliteException sqlite && SqliteStoreErrors.Translate(sqlite, location) is { } mapped)
            {
                throw mapped;
            }
            throw;
        }
    }

    /// <summary>Runs SQLite's integrity check: "ok" when the file is sound, otherwise the problems found.</summary>
    public string CheckIntegrity() => Read(transaction =>
    {
        using var command = SqliteValues.Command(connection, transaction, "PRAGMA integrity_check;");
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join(Environment.NewLine, lines);
    });

    public void SaveWorkflow(WorkflowInfo workflow)
    {
        if (workflow is null)
        {
            throw new ArgumentNullException(nameof(workflow));
        }
        Write(transaction => SqliteRunQueries.SaveWorkflow(connection, transaction, workflow));
    }

    public WorkflowInfo? GetWorkflow(string workflowId) =>
        Read(transaction => SqliteRunQueries.GetWorkflows(connection, transaction, workflowId).FirstOrDefault());

    public IReadOnlyList<WorkflowInfo> GetWorkflows() =>
        Read(transaction => SqliteRunQueries.GetWorkflows(connection, transaction, null));

    public bool RemoveWorkflow(string workflowId) =>
        Write(transaction => SqliteRunQueries.RemoveWorkflow(connection, transaction, workflowId));

    public void SaveDeployment(DeploymentRecord deployment) =>
        Write(transaction => SqliteRunQueries.SaveDeployment(connection, transaction, deployment));

    public IReadOnlyList<DeploymentRecord> GetDeployments(string? workflowId = null) =>
        Read(transaction => SqliteRunQueries.GetDeployments(connection, transaction, workflowId));

    public bool RemoveDeployment(string workflowId, string region) =>
        Write(transaction => SqliteRunQueries.RemoveDeployment(connection, transaction, workflowId, region));

    public IReadOnlyCollection<string> GetSyncedKeys(string runId) =>
        Read(transaction => SqliteRunQueries.GetSyncedKeys(connection, transaction, runId));

    public void CreateRun(WorkflowRun run, IReadOnlyList<string> steps)
    {
        if (run is null)
        {
            throw new ArgumentNullException(nameof(run));
        }
        if (steps is null)
        {
            throw new ArgumentNullException(nameof(steps));
        }
        var duplicate = steps.GroupBy(s => s, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
        {
            throw new ArgumentException($"Step '{duplicate.Key}' is listed twice for run '{run.RunId}'.", nameof(steps));
        }
        Write(transaction => SqliteRunQueries.CreateRun(connection, transaction, run, steps));
    }

    public WorkflowRun? GetRun(string runId, bool includeSteps = true) =>
        Read(transaction => SqliteRunQueries.GetRuns(connection, transaction, runId, null, includeSteps).FirstOrDefault());

    /// <summary>Runs newest first, each with its steps.</summary>
    public IReadOnlyList<WorkflowRun> GetRuns(string? workflowId = null) =>
        Read(transaction => SqliteRunQueries.GetRuns(connection, transaction, null, workflowId, includeSteps: true));

    public IReadOnlyList<StepRecord> GetStepRecords(string runId) =>
        Read(transaction => SqliteRunQueries.GetStepRecords(connection, transaction, runId));

    public IReadOnlyList<ItemRecord> GetItemRecords(string runId, string step) =>
        Read(transaction => SqliteRunQueries.GetItemRecords(connection, transaction, runId, step));

    /// <summary>
    /// Applies the changes in one transaction. A change for a run that is not in the store throws
    /// WorkflowRunNotFound, and one for a step the run lacks WorkflowStepNotFound; nothing of the batch is kept.
    /// </summary>
    public void Apply(IReadOnlyList<StoreChange> changes)
    {
        if (changes is null)
        {
            throw new ArgumentNullException(nameof(changes));
        }
        if (changes.Count == 0)
        {
            return;
        }
        Write(transaction => writer.Write(transaction, changes));
    }

    public IReadOnlyList<WorkflowLogRecord> GetLogs(string runId, string? step = null) =>
        Read(transaction => SqliteRunQueries.GetLogs(connection, transaction, runId, step));

    public IReadOnlyList<StateChange> GetHistory(string runId) =>
        Read(transaction => SqliteRunQueries.GetHistory(connection, transaction, runId));

    public bool TryClaimRun(string runId, string? expectedOwner, string owner, DateTimeOffset now) =>
        Write(transaction => SqliteRunQueries.TryClaimRun(connection, transaction, runId, expectedOwner, owner, now));

    public void Heartbeat(string owner, IReadOnlyCollection<string> runIds, DateTimeOffset now)
    {
        if (runIds is null)
        {
            throw new ArgumentNullException(nameof(runIds));
        }
        if (runIds.Count > 0)
        {
            Write(transaction => SqliteRunQueries.Heartbeat(connection, transaction, owner, runIds, now));
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            writer.Dispose();
            connection.Dispose();
        }
    }

    private void Write(Action<SqliteTransaction> work) =>
        Write<object?>(transaction =>
        {
            work(transaction);
            return null;
        });

    private T Write<T>(Func<SqliteTransaction, T> work) => Run(deferred: false, work);

    // Reads share the connection: measured, GetRun of a 50-step run takes ~0.2 ms, so a second pooled
    // connection would add code without adding speed. The deferred transaction gives multi-query reads one snapshot.
    private T Read<T>(Func<SqliteTransaction, T> work) => Run(deferred: true, work);

    private T Run<T>(bool deferred, Func<SqliteTransaction, T> work)
    {
        lock (gate)
        {
            if (disposed)
            {
                throw new ObjectDisposedException(nameof(SqliteRunStore), $"The workflow store '{Location}' was closed.");
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    using var transaction = connection.BeginTransaction(deferred);
                    var result = work(transaction);
                    transaction.Commit();
                    return result;
                }
                catch (SqliteException e) when (SqliteStoreErrors.IsBusy(e) && attempt < BusyRetries)
                {
                    Thread.Sleep(TimeSpan.FromTicks(BusyBackoff.Ticks * attempt));
                }
                catch (SqliteException e) when (SqliteStoreErrors.Translate(e, Location) is { } mapped)
                {
                    throw mapped;
                }
            }
        }
    }
}
