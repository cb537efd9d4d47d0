using System;
using System.IO;
using Microsoft.Data.Sqlite;
using Workflow.Model;
using Workflow.Store;
using static Workflow.Tests.Store.TempStoreFolder;

namespace Workflow.Tests.Store;

/// <summary>Opening the store file: creation, schema versions, and the files it must refuse.</summary>
public sealed class SqliteStoreFileTests : IDisposable
{
    private readonly TempStoreFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static object? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public void Opening_creates_the_folder_and_file_stamped_with_the_schema_version_in_WAL_mode()
    {
        var path = Path.Combine(folder.Path, "new", "deeper", "workflow.db");

        using (var store = SqliteRunStore.Open(path))
        {
            Assert.Equal(path, store.Location);
            Assert.Equal("ok", store.CheckIntegrity());
        }

        Assert.True(File.Exists(path));
        Assert.Equal((long)SqliteSchema.LatestVersion, Scalar(path, "SELECT version FROM schema_info"));
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM schema_info"));
        Assert.Equal("wal", Scalar(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public void Reopening_keeps_the_data_and_does_not_migrate_again()
    {
        using (var store = folder.Open())
        {
            store.CreateRun(Run("r1"), new[] { "a" });
        }
        SqliteConnection.ClearAllPools();

        using (var store = folder.Open())
        {
            Assert.Equal("r1", store.GetRun("r1")!.RunId);
        }
        Assert.Equal(1L, Scalar(folder.StorePath, "SELECT count(*) FROM schema_info"));
    }

    [Fact]
    public void Relative_path_opens_as_an_absolute_location()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, folder.StorePath);

        using var store = SqliteRunStore.Open(relative);

        Assert.Equal(folder.StorePath, store.Location);
    }

    [Fact]
    public void Empty_file_is_taken_as_a_new_store()
    {
        File.WriteAllBytes(folder.StorePath, Array.Empty<byte>());

        using var store = folder.Open();

        Assert.Equal("ok", store.CheckIntegrity());
    }

    [Fact]
    public void Store_written_by_a_newer_version_is_refused_with_WorkflowStoreTooNew()
    {
        folder.Open().Dispose();
        SqliteConnection.ClearAllPools();
        Scalar(folder.StorePath, "UPDATE schema_info SET version = 99");

        var e = Assert.Throws<WorkflowException>(() => folder.Open());

        Assert.Equal("WorkflowStoreTooNew", e.ErrorId);
        Assert.Equal(FailureKind.InvalidData, e.Kind);
        Assert.Contains(folder.StorePath, e.Message);
        Assert.Contains("99", e.Message);
        Assert.Contains(SqliteSchema.LatestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Equal(folder.StorePath, e.Target);
        Assert.Equal(99L, Scalar(folder.StorePath, "SELECT version FROM schema_info"));
    }

    [Fact]
    public void File_that_is_not_SQLite_is_refused_with_WorkflowStoreCorrupt_and_left_byte_identical()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("name: img\nversion: 1.0.0\nthis is a workflow.yml, not a database\n");
        File.WriteAllBytes(folder.StorePath, bytes);
        var written = File.GetLastWriteTimeUtc(folder.StorePath);

        var e = Assert.Throws<WorkflowException>(() => folder.Open());

        Assert.Equal("WorkflowStoreCorrupt", e.ErrorId);
        Assert.Equal(FailureKind.InvalidData, e.Kind);
        Assert.Contains(folder.StorePath, e.Message);
        Assert.Contains("move it aside", e.Message);
        Assert.Contains("$env:WORKFLOW_HOME", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(folder.StorePath));
        Assert.Equal(written, File.GetLastWriteTimeUtc(folder.StorePath));
        // No -wal / -shm / -journal left beside it either.
        Assert.Equal(new[] { folder.StorePath }, Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Store_SQLite_can_only_read_is_read_and_its_writes_are_refused_with_WorkflowStoreReadOnly()
    {
        // As root (the test runner) chmod makes nothing read-only, so open the connection read-only, as
        // Open does when SQLite can only read the file (the Pester suite makes the file immutable).
        using (var store = folder.Open())
        {
            store.CreateRun(Run("r1"), new[] { "a" });
        }
        var before = File.ReadAllBytes(folder.StorePath);

        using var reader = SqliteRunStore.OpenForReading(folder.StorePath)!;

        Assert.True(reader.IsReadOnly);
        Assert.Equal("r1", Assert.Single(reader.GetRuns()).RunId);
        var e = Assert.Throws<WorkflowException>(() => reader.CreateRun(Run("r2"), new[] { "a" }));
        Assert.Equal("WorkflowStoreReadOnly", e.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Contains(folder.StorePath, e.Message);
        Assert.Contains("writable", e.Message);
        Assert.Contains("for reading only", e.Message);
        Assert.Equal(before, File.ReadAllBytes(folder.StorePath));
    }

    [Fact]
    public void New_file_SQLite_can_only_read_is_refused_with_WorkflowStoreReadOnly()
    {
        File.WriteAllBytes(folder.StorePath, Array.Empty<byte>());

        var e = Assert.Throws<WorkflowException>(() => SqliteRunStore.Open(folder.StorePath, SqliteOpenMode.ReadOnly));

        Assert.Equal("WorkflowStoreReadOnly", e.ErrorId);
    }

    [Fact]
    public void Path_SQLite_cannot_open_is_refused_with_WorkflowStoreReadOnly()
    {
        // A folder where the file should be: SQLite fails to open it with SQLITE_CANTOPEN.
        var path = Path.Combine(folder.Path, "workflow.db");
        Directory.CreateDirectory(path);

        var e = Assert.Throws<WorkflowException>(() => SqliteRunStore.Open(path));

        Assert.Equal("WorkflowStoreReadOnly", e.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Equal(14, Assert.IsType<SqliteException>(e.InnerException).SqliteErrorCode);
        Assert.Contains(path, e.Message);
        Assert.True(Directory.Exists(path));
    }

    [Theory]
    [InlineData("home")]
    [InlineData("home/below")]
    public void Home_that_is_a_file_is_refused_with_WorkflowHomeNotAFolder(string home)
    {
        // WORKFLOW_HOME names a regular file, or a folder under one.
        var blocker = Path.Combine(folder.Path, "home");
        File.WriteAllText(blocker, "a file");
        var path = Path.Combine(folder.Path, home, "workflow.db");

        var e = Assert.Throws<WorkflowException>(() => SqliteRunStore.Open(path));

        Assert.Equal("WorkflowHomeNotAFolder", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains($"'{blocker}'", e.Message);
        Assert.Contains("is a file", e.Message);
        Assert.Contains("$env:WORKFLOW_HOME", e.Message);
        Assert.Equal("a file", File.ReadAllText(blocker));
    }

    [Fact]
    public void Store_of_an_older_schema_that_cannot_be_written_is_refused()
    {
        using (var connection = new SqliteConnection($"Data Source={folder.StorePath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE schema_info (version INTEGER NOT NULL); INSERT INTO schema_info VALUES (1);";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();

        Assert.Null(SqliteRunStore.OpenForReading(folder.StorePath));
    }

    [Fact]
    public void Closed_store_refuses_further_calls()
    {
        var store = folder.Open();
        store.Dispose();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.GetRuns());
    }
}
