using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;

namespace Workflow.Store;

/// <summary>
/// The store's tables and their migrations. Migration N takes the file from version N-1 to N; each runs
/// in its own immediate transaction, so two sessions opening an old file at once migrate it once.
/// Add migrations at the end; never change one that has shipped.
/// </summary>
internal static class SqliteSchema
{
    private static readonly IReadOnlyList<string> Migrations = new[]
    {
        // 1: initial schema. Times are unix milliseconds (see SqliteValues); states are enum names.
        """
        CREATE TABLE workflows (
            workflow_id     TEXT NOT NULL PRIMARY KEY,
            name            TEXT NOT NULL,
            version         TEXT NOT NULL,
            description     TEXT,
            home_region     TEXT NOT NULL,
            step_count      INTEGER NOT NULL,
            content_hash    TEXT NOT NULL,
            published_at    INTEGER NOT NULL,
            source_path     TEXT NOT NULL,
            definition_text TEXT NOT NULL
        );
        -- No foreign key to workflows: a run can come from a folder that was never published.
        CREATE TABLE runs (
            run_id        TEXT NOT NULL PRIMARY KEY,
            workflow_id   TEXT NOT NULL,
            state         TEXT NOT NULL,
            argument_json TEXT NOT NULL,
            created_at    INTEGER NOT NULL,
            started_at    INTEGER,
            ended_at      INTEGER,
            error         TEXT,
            owner         TEXT,
            heartbeat_at  INTEGER
        );
        CREATE INDEX runs_by_workflow ON runs (workflow_id);
        CREATE TABLE step_runs (
            run_id      TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            step        TEXT NOT NULL,
            ordinal     INTEGER NOT NULL,
            state       TEXT NOT NULL,
            attempt     INTEGER NOT NULL DEFAULT 0,
            item_count  INTEGER,
            started_at  INTEGER,
            ended_at    INTEGER,
            output_json TEXT,
            error       TEXT,
            PRIMARY KEY (run_id, step)
        );
        CREATE TABLE step_items (
            run_id      TEXT NOT NULL,
            step        TEXT NOT NULL,
            item        INTEGER NOT NULL,
            state       TEXT NOT NULL,
            attempt     INTEGER NOT NULL,
            output_json TEXT,
            error       TEXT,
            PRIMARY KEY (run_id, step, item),
            FOREIGN KEY (run_id, step) REFERENCES step_runs (run_id, step) ON DELETE CASCADE
        );
        CREATE TABLE state_history (
            id     INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            step   TEXT,
            item   INTEGER,
            state  TEXT NOT NULL,
            time   INTEGER NOT NULL,
            detail TEXT
        );
        CREATE INDEX state_history_by_run ON state_history (run_id);
        CREATE TABLE logs (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id  TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            step    TEXT NOT NULL,
            item    INTEGER,
            attempt INTEGER NOT NULL,
            stream  TEXT NOT NULL,
            message TEXT NOT NULL,
            time    INTEGER NOT NULL
        );
        CREATE INDEX logs_by_step ON logs (run_id, step);
        """,
        // 2: deployments to cloud regions (the provider's record, as JSON), and the remote objects
        // Sync-WorkflowLog has copied in, so a second sync fetches only what is new.
        """
        CREATE TABLE deployments (
            workflow_id  TEXT NOT NULL,
            region       TEXT NOT NULL,
            record_json  TEXT NOT NULL,
            published_at INTEGER NOT NULL,
            PRIMARY KEY (workflow_id, region)
        );
        CREATE TABLE synced_objects (
            run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
            key    TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
        );
        """,
        // 3: where each step ran (local, or the region whose worker ran it), and each workflow's
        // applied placement (Move-WorkflowDeployment): its hourly plans, as JSON.
        """
        ALTER TABLE step_runs ADD COLUMN region TEXT;
        CREATE TABLE placements (
            workflow_id    TEXT PRIMARY KEY,
            placement_json TEXT NOT NULL,
            applied_at     INTEGER NOT NULL
        );
        """,
        // 4: what Invoke-DataCollector collected (region facts, carbon, latencies, step profiles),
        // one row per collector and key, so collecting again replaces a figure instead of adding one.
        """
        CREATE TABLE collected (
            collector    TEXT NOT NULL,
            key          TEXT NOT NULL,
            record_json  TEXT NOT NULL,
            collected_at INTEGER NOT NULL,
            PRIMARY KEY (collector, key)
        );
        """,
    };

    /// <summary>The schema version this build writes and the newest it can read.</summary>
    public static int LatestVersion => Migrations.Count;

    /// <summary>
    /// Readies an open connection: checks it is a SQLite file this build can read before anything is
    /// written, then sets WAL, migrates, and proves the file can be written.
    /// </summary>
    public static void Prepare(SqliteConnection connection, string path)
    {
        // Connection settings: these touch no file.
        Execute(connection, null, "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;");

        // A read first: a file that is not SQLite fails here (SQLITE_NOTADB) and is left untouched.
        var version = ReadVersion(connection, null);
        if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
        {
            // SQLite fell back to reading a file it may not write (permissions, an immutable file);
            // its writes would fail later, some as I/O errors. The caller may open it for reading.
            throw SqliteStoreErrors.StoreReadOnly(path, new InvalidOperationException("the file opens only for reading"));
        }
        if (version > LatestVersion)
        {
            throw SqliteStoreErrors.StoreTooNew(path, version, LatestVersion);
        }

        Execute(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");

        var migrated = false;
        for (var target = (int)version + 1; target <= LatestVersion; target++)
        {
            migrated |= Migrate(connection, path, target);
        }
        if (!migrated)
        {
            // The write probe: a file SQLite could only open read-only, or whose folder refuses the
            // -wal/-shm files, fails here (SQLITE_READONLY / SQLITE_CANTOPEN) instead of in a run's first change.
            using var transaction = connection.BeginTransaction(deferred: false);
            Execute(connection, transaction, "UPDATE schema_info SET version = version;");
            transaction.Commit();
        }
    }

    /// <summary>
    /// For a store opened read-only: it must already have this version's schema, which cannot be
    /// migrated without writing. Throws WorkflowStoreReadOnly otherwise (WorkflowStoreTooNew when newer).
    /// </summary>
    public static void CheckReadable(SqliteConnection connection, string path)
    {
        var version = ReadVersion(connection, null);
        if (version > LatestVersion)
        {
            throw SqliteStoreErrors.StoreTooNew(path, version, LatestVersion);
        }
        if (version < LatestVersion)
        {
            throw SqliteStoreErrors.StoreReadOnly(path, new InvalidOperationException(
                $"schema version {version} must be brought to {LatestVersion}, which needs writing"));
        }
    }

    /// <summary>Applies one migration unless another session applied it first; true if this one did.</summary>
    private static bool Migrate(SqliteConnection connection, string path, int target)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = ReadVersion(connection, transaction);
        if (version > LatestVersion)
        {
            throw SqliteStoreErrors.StoreTooNew(path, version, LatestVersion);
        }
        if (version >= target)
        {
            return false;
        }
        if (version == 0)
        {
            Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL); DELETE FROM schema_info; INSERT INTO schema_info (version) VALUES (0);");
        }
        Execute(connection, transaction, Migrations[target - 1]);
        Execute(connection, transaction, "UPDATE schema_info SET version = " + target + ";");
        transaction.Commit();
        return true;
    }

    /// <summary>The file's schema version; 0 for a new, empty file.</summary>
    public static long ReadVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var hasTable = SqliteValues.Command(connection, transaction,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_info';");
        if (Convert.ToInt64(hasTable.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }
        using var read = SqliteValues.Command(connection, transaction, "SELECT max(version) FROM schema_info;");
        return read.ExecuteScalar() is long version ? version : 0;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = SqliteValues.Command(connection, transaction, sql);
        command.ExecuteNonQuery();
    }
}
