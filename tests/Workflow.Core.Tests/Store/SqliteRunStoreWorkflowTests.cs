using System;
using System.Linq;
using Workflow.Model;
using Workflow.Store;
using static Workflow.Tests.Store.TempStoreFolder;

namespace Workflow.Tests.Store;

public sealed class SqliteRunStoreWorkflowTests : IDisposable
{
    private readonly TempStoreFolder folder = new();
    private readonly SqliteRunStore store;

    public SqliteRunStoreWorkflowTests() => store = folder.Open();

    public void Dispose()
    {
        store.Dispose();
        folder.Dispose();
    }

    [Fact]
    public void Saved_workflow_reads_back_with_every_field()
    {
        var workflow = PublishedWorkflow();
        store.SaveWorkflow(workflow);

        Assert.Equal(workflow, store.GetWorkflow("img-1.0.0"));
    }

    [Fact]
    public void Saved_workflow_reads_back_from_another_store_on_the_same_file()
    {
        store.SaveWorkflow(PublishedWorkflow());

        using var other = SqliteRunStore.Open(folder.StorePath);
        Assert.Equal(PublishedWorkflow(), other.GetWorkflow("img-1.0.0"));
    }

    [Fact]
    public void Publishing_the_same_workflow_id_again_replaces_it()
    {
        store.SaveWorkflow(PublishedWorkflow());
        store.SaveWorkflow(PublishedWorkflow() with { ContentHash = "cd34", Description = null, StepCount = 4 });

        var saved = Assert.Single(store.GetWorkflows());
        Assert.Equal("cd34", saved.ContentHash);
        Assert.Null(saved.Description);
        Assert.Equal(4, saved.StepCount);
    }

    [Fact]
    public void Workflows_list_in_id_order()
    {
        store.SaveWorkflow(PublishedWorkflow("zip"));
        store.SaveWorkflow(PublishedWorkflow("img", "2.0.0"));
        store.SaveWorkflow(PublishedWorkflow("img"));

        Assert.Equal(new[] { "img-1.0.0", "img-2.0.0", "zip-1.0.0" }, store.GetWorkflows().Select(w => w.WorkflowId));
    }

    [Fact]
    public void Missing_workflow_reads_as_null()
    {
        Assert.Null(store.GetWorkflow("nope-1.0.0"));
        Assert.Empty(store.GetWorkflows());
    }

    [Fact]
    public void Removing_a_workflow_removes_its_runs_with_their_steps_items_history_and_logs()
    {
        store.SaveWorkflow(PublishedWorkflow());
        store.SaveWorkflow(PublishedWorkflow("zip"));
        store.CreateRun(Run("r1"), new[] { "a", "b" });
        store.CreateRun(Run("r2", "zip-1.0.0"), new[] { "a" });
        foreach (var runId in new[] { "r1", "r2" })
        {
            store.Apply(new StoreChange[]
            {
                new StepStateChange(runId, T0, "a", StepState.Running, Attempt: 1, ItemCount: 2),
                new ItemStateChange(runId, T0, "a", 0, StepState.Succeeded, 1, "1"),
                new LogAppended(new WorkflowLogRecord { RunId = runId, Step = "a", Time = T0, Attempt = 1, Stream = "Output", Message = "hi" }),
            });
        }

        Assert.True(store.RemoveWorkflow("img-1.0.0"));

        Assert.Null(store.GetWorkflow("img-1.0.0"));
        Assert.Null(store.GetRun("r1"));
        Assert.Empty(store.GetStepRecords("r1"));
        Assert.Empty(store.GetItemRecords("r1", "a"));
        Assert.Empty(store.GetHistory("r1"));
        Assert.Empty(store.GetLogs("r1"));
        // The other workflow's run is untouched.
        Assert.Equal("r2", Assert.Single(store.GetRuns()).RunId);
        Assert.Single(store.GetItemRecords("r2", "a"));
        Assert.Single(store.GetLogs("r2"));
        Assert.Equal("ok", store.CheckIntegrity());
    }

    [Fact]
    public void Removing_a_missing_workflow_returns_false()
    {
        Assert.False(store.RemoveWorkflow("nope-1.0.0"));
    }
}
