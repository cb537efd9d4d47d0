using System;
using System.IO;
using Microsoft.Data.Sqlite;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Tests.Store;

/// <summary>A temp folder for a test's store files, deleted afterwards, with small builders for test data.</summary>
internal sealed class TempStoreFolder : IDisposable
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    public TempStoreFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wf-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string StorePath => WorkflowHome.StorePath(Path);

    public SqliteRunStore Open() => SqliteRunStore.Open(StorePath);

    public static WorkflowRun Run(string runId, string workflowId = "img-1.0.0", DateTimeOffset? createdAt = null) => new()
    {
        RunId = runId,
        WorkflowId = workflowId,
        ArgumentJson = "{\"size\":3}",
        CreatedAt = createdAt ?? T0,
    };

    public static WorkflowInfo PublishedWorkflow(string name = "img", string version = "1.0.0") => new()
    {
        WorkflowId = $"{name}-{version}",
        Name = name,
        Version = version,
        Description = "Resizes images",
        HomeRegion = "eu-west-1",
        StepCount = 3,
        ContentHash = "ab12",
        PublishedAt = T0,
        SourcePath = "/src/" + name,
        DefinitionText = "name: " + name + "\n",
    };

    public void Dispose()
    {
        // Pooled connections keep the file open; release them before deleting.
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Another test's pooled handle can linger a moment; the OS temp cleaner takes the rest.
        }
    }
}
