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

    private SqliteRunStore(string location, SqliteConnection connection, bool readOnly)
    {
        Location = location;
        IsReadOnly = readOnly;
        this.connection = connection;
        writer = new SqliteChangeWriter(connection);
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <inheritdoc/>
    public bool IsReadOnly { get; }

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating the folder and the file if they are missing
    /// and migrating an older file. A store of the current schema that this process cannot write is
    /// opened for reading (<see cref="IsReadOnly"/>): Get-WorkflowRun and the other reading cmdlets
    /// work, writes throw WorkflowStoreReadOnly. Throws WorkflowException: WorkflowStoreCorrupt (not a
    /// SQLite file; it is left untouched), WorkflowStoreReadOnly (the file or folder cannot be written,
    /// and it cannot be read as it is), WorkflowStoreTooNew (written by a newer version),
    /// WorkflowHomeNotAFolder (the home is a file).
    /// </summary>
    public static SqliteRunStore Open(string path)
    {
        try
        {
            return Open(path, SqliteOpenMode.ReadWriteCreate);
        }
        catch (WorkflowException e) when (e.Error == WorkflowErrors.WorkflowStoreReadOnly && File.Exists(path))
        {
            var reader = OpenForReading(path);
            if (reader == null) throw;
            return reader;
        }
    }

    /// <summary>
    /// The store opened for reading, or null when that fails too. A WAL file whose folder refuses
    /// SQLite's -shm file can be read only as immutable: nothing here writes it, and another
    /// process that can write it would make this session's reads stale, not wrong.
    /// </summary>
    internal static SqliteRunStore? OpenForReading(string path)
    {
        foreach (var source in new[] { Path.GetFullPath(path), "file:" + Path.GetFullPath(path) + "?immutable=1" })
        {
            try
            {
                return Open(source, SqliteOpenMode.ReadOnly, Path.GetFullPath(path));
            }
            catch (WorkflowException e) when (e.Error == WorkflowErrors.WorkflowStoreReadOnly)
            {
                // Try the next way of reading it.
            }
        }
        return null;
    }

    // The mode is a seam for tests: as root no file is read-only, but a read-only connection meets
    // the same SQLITE_READONLY a user's read-only file gives.
    internal static SqliteRunStore Open(string path, SqliteOpenMode mode, string? location = null)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }
        location ??= Path.GetFullPath(path);
        var readOnly = mode == SqliteOpenMode.ReadOnly;
        var folder = Path.GetDirectoryName(location)!;
        for (var above = folder; !string.IsNullOrEmpty(above) && !Directory.Exists(above); above = Path.GetDirectoryName(above))
        {
            if (File.Exists(above)) throw SqliteStoreErrors.HomeIsAFile(folder, above);
        }
        try
        {
            if (!readOnly) Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (SqliteStoreErrors.IsFolderFailure(e))
        {
            throw SqliteStoreErrors.FolderNotCreated(location, e);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = readOnly ? path : location,
            Mode = mode,
            Pooling = true,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            if (readOnly) SqliteSchema.CheckReadable(connection, location);
            else SqliteSchema.Prepare(connection, location);
            return new SqliteRunStore(location, connection, readOnly);
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

    public void SavePlacement(WorkflowPlacement placement) =>
        Write(transaction => SqliteRunQueries.SavePlacement(connection, transaction, placement));

    public WorkflowPlacement? GetPlacement(string workflowId) =>
        Read(transaction => SqliteRunQueries.GetPlacement(connection, transaction, workflowId));

    public bool RemovePlacement(string workflowId) =>
        Write(transaction => SqliteRunQueries.RemovePlacement(connection, transaction, workflowId));

    public IReadOnlyCollection<string> GetSyncedKeys(string runId) =>
        Read(transaction => SqliteRunQueries.GetSyncedKeys(connection, transaction, runId));

    public void SaveCollected(IReadOnlyList<CollectedRecord> records)
    {
        if (records is null)
        {
            throw new ArgumentNullException(nameof(records));
        }
        if (records.Count > 0)
        {
            Write(transaction => SqliteCollectedQueries.Save(connection, transaction, records));
        }
    }

    public IReadOnlyList<CollectedRecord> GetCollected(DataCollector collector, string? keyPrefix = null) =>
        Read(transaction => SqliteCollectedQueries.Get(connection, transaction, collector, keyPrefix));

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
            // Close the file itself, not just return the handle to the pool: the module's removal
            // (or the session's end) releases the store, and the last close folds the -wal back in.
            SqliteConnection.ClearPool(connection);
            connection.Dispose();
        }
    }

    private void Write(Action<SqliteTransaction> work) =>
        Write<object?>(transaction =>
        {
            work(transaction);
            return null;
        });

    // A store opened for reading refuses writes itself: SQLite's own answer depends on which of the
    // file, its -wal and its -shm it may not write, and is an I/O error for some.
    private T Write<T>(Func<SqliteTransaction, T> work) =>
        IsReadOnly
            ? throw SqliteStoreErrors.StoreReadOnly(Location, new InvalidOperationException("this session could open it for reading only"))
            : Run(deferred: false, work);

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
