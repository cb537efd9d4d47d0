using System;
using System.Linq;
using Workflow.Model;
using Workflow.Store;
using static Workflow.Tests.Store.TempStoreFolder;

namespace Workflow.Tests.Store;

public sealed class SqliteRunStoreRunTests : IDisposable
{
    private static readonly string[] Steps = { "fetch", "resize", "publish" };
    private readonly TempStoreFolder folder = new();
    private readonly SqliteRunStore store;

    public SqliteRunStoreRunTests() => store = folder.Open();

    public void Dispose()
    {
        store.Dispose();
        folder.Dispose();
    }

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    [Fact]
    public void Created_run_is_queued_with_every_step_pending_in_the_given_order()
    {
        store.CreateRun(Run("r1") with { State = RunState.Running }, new[] { "zeta", "alpha", "mid" });

        var run = store.GetRun("r1")!;
        Assert.Equal(RunState.Queued, run.State);
        Assert.Equal("img-1.0.0", run.WorkflowId);
        Assert.Equal("{\"size\":3}", run.ArgumentJson);
        Assert.Equal(T0, run.CreatedAt);
        Assert.Null(run.StartedAt);
        Assert.Null(run.EndedAt);
        Assert.Equal(new[] { "zeta", "alpha", "mid" }, run.Steps.Select(s => s.Step));
        Assert.All(run.Steps, s =>
        {
            Assert.Equal(StepState.Pending, s.State);
            Assert.Equal(0, s.Attempt);
            Assert.Equal("r1", s.RunId);
        });
        Assert.Equal(
            new[] { (null, "Queued"), ("zeta", "Pending"), ("alpha", "Pending"), ("mid", "Pending") },
            store.GetHistory("r1").Select(h => ((string?)h.Step, h.State)));
    }

    [Fact]
    public void Creating_a_run_whose_id_exists_fails_with_WorkflowRunExists()
    {
        store.CreateRun(Run("r1"), Steps);

        var e = Assert.Throws<WorkflowException>(() => store.CreateRun(Run("r1"), new[] { "other" }));

        Assert.Equal("WorkflowRunExists", e.ErrorId);
        Assert.Equal(FailureKind.ResourceExists, e.Kind);
        Assert.Contains("r1", e.Message);
        Assert.Equal(Steps, store.GetRun("r1")!.Steps.Select(s => s.Step));
    }

    [Fact]
    public void Run_without_steps_reads_back_without_steps_when_asked()
    {
        store.CreateRun(Run("r1"), Steps);

        Assert.Empty(store.GetRun("r1", includeSteps: false)!.Steps);
    }

    [Fact]
    public void Full_lifecycle_records_states_attempts_times_and_outputs()
    {
        store.CreateRun(Run("r1"), Steps);
        store.Apply(new StoreChange[]
        {
            new RunStateChange("r1", At(1), RunState.Running),
            new StepStateChange("r1", At(1), "fetch", StepState.Running, Attempt: 1),
            new AttemptStarted("r1", At(1), "fetch", null, 1),
        });
        store.Apply(new StoreChange[]
        {
            new StepStateChange("r1", At(2), "fetch", StepState.Failed, Error: "timeout"),
            new AttemptStarted("r1", At(3), "fetch", null, 2),
            new StepStateChange("r1", At(3), "fetch", StepState.Running, Attempt: 2),
            new StepStateChange("r1", At(4), "fetch", StepState.Succeeded, OutputJson: "{\"n\":1}"),
            new StepStateChange("r1", At(5), "resize", StepState.Skipped),
            new StepStateChange("r1", At(5), "publish", StepState.Cancelled, Error: "stopped"),
            new RunStateChange("r1", At(6), RunState.Failed, "publish was cancelled"),
        });

        var run = store.GetRun("r1")!;
        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(At(1), run.StartedAt);
        Assert.Equal(At(6), run.EndedAt);
        Assert.Equal("publish was cancelled", run.Error);
        Assert.Equal(TimeSpan.FromSeconds(5), run.Duration);

        var fetch = run.Steps[0];
        Assert.Equal(StepState.Succeeded, fetch.State);
        Assert.Equal(2, fetch.Attempt);
        Assert.Equal(At(1), fetch.StartedAt); // the first Running, not the retry
        Assert.Equal(At(4), fetch.EndedAt);
        Assert.Null(fetch.Error);
        Assert.Equal(StepState.Skipped, run.Steps[1].State);
        Assert.Equal(StepState.Cancelled, run.Steps[2].State);
        Assert.Equal("stopped", run.Steps[2].Error);

        var records = store.GetStepRecords("r1");
        Assert.Equal(new StepRecord("fetch", StepState.Succeeded, 2, null, "{\"n\":1}", null), records[0]);
        Assert.Equal(new StepRecord("publish", StepState.Cancelled, 0, null, null, "stopped"), records[2]);
    }

    [Fact]
    public void History_lists_every_state_change_in_order_with_times_and_details()
    {
        store.CreateRun(Run("r1"), new[] { "fetch" });
        store.Apply(new StoreChange[]
        {
            new RunStateChange("r1", At(1), RunState.Running),
            new AttemptStarted("r1", At(1), "fetch", null, 1),
            new StepStateChange("r1", At(1), "fetch", StepState.Running, Attempt: 1),
            new StepStateChange("r1", At(2), "fetch", StepState.Failed, Error: "exit code 3"),
            new RunStateChange("r1", At(3), RunState.Failed, "fetch failed"),
        });

        var history = store.GetHistory("r1");

        Assert.Equal(
            new (string?, string, string?, DateTimeOffset)[]
            {
                (null, "Queued", null, T0),
                ("fetch", "Pending", null, T0),
                (null, "Running", null, At(1)),
                ("fetch", "AttemptStarted", "attempt 1", At(1)),
                ("fetch", "Running", null, At(1)),
                ("fetch", "Failed", "exit code 3", At(2)),
                (null, "Failed", "fetch failed", At(3)),
            },
            history.Select(h => (h.Step, h.State, h.Detail, h.Time)));
        Assert.All(history, h => Assert.Equal("r1", h.RunId));
    }

    [Fact]
    public void Final_run_state_clears_the_owner_and_a_rerun_step_clears_its_end_time()
    {
        store.CreateRun(Run("r1") with { Owner = "host:1:a", HeartbeatAt = T0 }, new[] { "fetch" });
        Assert.Equal("host:1:a", store.GetRun("r1")!.Owner);
        store.Apply(new StoreChange[]
        {
            new RunStateChange("r1", At(1), RunState.Running),
            new StepStateChange("r1", At(1), "fetch", StepState.Running, Attempt: 1),
            new StepStateChange("r1", At(2), "fetch", StepState.Failed, Error: "boom"),
            new StepStateChange("r1", At(3), "fetch", StepState.Running, Attempt: 2),
        });
        var step = store.GetRun("r1")!.Steps[0];
        Assert.Null(step.EndedAt);
        Assert.Null(step.Error);
        Assert.Equal("host:1:a", store.GetRun("r1")!.Owner);

        store.Apply(new[] { new RunStateChange("r1", At(4), RunState.Succeeded) });

        var run = store.GetRun("r1")!;
        Assert.Null(run.Owner);
        Assert.Equal(At(4), run.EndedAt);
    }

    [Fact]
    public void Foreach_items_are_upserted_and_listed_in_item_order()
    {
        store.CreateRun(Run("r1"), Steps);
        store.Apply(new StoreChange[]
        {
            new StepStateChange("r1", At(1), "resize", StepState.Running, Attempt: 1, ItemCount: 3),
            new AttemptStarted("r1", At(1), "resize", 2, 1),
            new ItemStateChange("r1", At(2), "resize", 2, StepState.Failed, 1, Error: "bad pixel"),
            new ItemStateChange("r1", At(2), "resize", 0, StepState.Succeeded, 1, "\"a\""),
            new AttemptStarted("r1", At(3), "resize", 2, 2),
            new ItemStateChange("r1", At(4), "resize", 2, StepState.Succeeded, 2, "\"c\""),
            new ItemStateChange("r1", At(4), "resize", 1, StepState.Succeeded, 1, "\"b\""),
        });

        Assert.Equal(
            new[]
            {
                new ItemRecord(0, StepState.Succeeded, 1, "\"a\"", null),
                new ItemRecord(1, StepState.Succeeded, 1, "\"b\"", null),
                new ItemRecord(2, StepState.Succeeded, 2, "\"c\"", null),
            },
            store.GetItemRecords("r1", "resize"));
        Assert.Empty(store.GetItemRecords("r1", "fetch"));
        var resize = store.GetStepRecords("r1")[1];
        Assert.Equal(3, resize.ItemCount);
        Assert.Equal(2, resize.Attempt); // the highest attempt of its items
        Assert.Contains(store.GetHistory("r1"), h => h is { Step: "resize", Item: 2, State: "Failed", Detail: "bad pixel" });
        Assert.Contains(store.GetHistory("r1"), h => h is { Step: "resize", Item: 2, State: "AttemptStarted", Detail: "attempt 2" });
    }

    [Fact]
    public void Logs_read_back_in_order_and_filter_by_step()
    {
        store.CreateRun(Run("r1"), Steps);
        var lines = Enumerable.Range(0, 6).Select(i => new WorkflowLogRecord
        {
            RunId = "r1",
            Step = i % 2 == 0 ? "fetch" : "resize",
            Item = i % 2 == 0 ? null : i,
            Attempt = 1,
            Stream = i == 5 ? "Error" : "Output",
            Message = "line " + i,
            Time = At(i),
        }).ToList();
        store.Apply(lines.Select(l => (StoreChange)new LogAppended(l)).ToList());

        Assert.Equal(lines, store.GetLogs("r1"));
        Assert.Equal(new[] { "line 1", "line 3", "line 5" }, store.GetLogs("r1", "resize").Select(l => l.Message));
        Assert.Empty(store.GetLogs("r1", "publish"));
        Assert.DoesNotContain(store.GetHistory("r1"), h => h.Time > T0); // logs are not state changes
    }

    [Fact]
    public void Change_for_an_unknown_run_fails_with_WorkflowRunNotFound_and_keeps_nothing_of_the_batch()
    {
        store.CreateRun(Run("r1"), Steps);

        var e = Assert.Throws<WorkflowException>(() => store.Apply(new StoreChange[]
        {
            new RunStateChange("r1", At(1), RunState.Running),
            new StepStateChange("r1", At(1), "fetch", StepState.Running, Attempt: 1),
            new StepStateChange("ghost", At(1), "fetch", StepState.Running, Attempt: 1),
        }));

        Assert.Equal("WorkflowRunNotFound", e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
        Assert.Contains("ghost", e.Message);
        var run = store.GetRun("r1")!;
        Assert.Equal(RunState.Queued, run.State);
        Assert.Equal(StepState.Pending, run.Steps[0].State);
        Assert.Equal(4, store.GetHistory("r1").Count);
        // The store still works after the rollback.
        store.Apply(new[] { new RunStateChange("r1", At(2), RunState.Running) });
        Assert.Equal(RunState.Running, store.GetRun("r1")!.State);
    }

    [Theory]
    [InlineData("log")]
    [InlineData("item")]
    [InlineData("attempt")]
    [InlineData("run")]
    public void Every_kind_of_change_for_an_unknown_run_fails_with_WorkflowRunNotFound(string kind)
    {
        StoreChange change = kind switch
        {
            "log" => new LogAppended(new WorkflowLogRecord { RunId = "ghost", Step = "a", Stream = "Output", Message = "x" }),
            "item" => new ItemStateChange("ghost", T0, "a", 0, StepState.Succeeded, 1),
            "attempt" => new AttemptStarted("ghost", T0, "a", null, 1),
            _ => new RunStateChange("ghost", T0, RunState.Running),
        };

        var e = Assert.Throws<WorkflowException>(() => store.Apply(new[] { change }));

        Assert.Equal("WorkflowRunNotFound", e.ErrorId);
    }

    [Fact]
    public void Change_for_a_step_the_run_lacks_fails_with_WorkflowStepNotFound()
    {
        store.CreateRun(Run("r1"), Steps);

        var step = Assert.Throws<WorkflowException>(() => store.Apply(new[] { new StepStateChange("r1", T0, "nope", StepState.Running) }));
        var item = Assert.Throws<WorkflowException>(() => store.Apply(new[] { new ItemStateChange("r1", T0, "nope", 0, StepState.Succeeded, 1) }));

        Assert.Equal("WorkflowStepNotFound", step.ErrorId);
        Assert.Equal("WorkflowStepNotFound", item.ErrorId);
        Assert.Contains("nope", item.Message);
    }

    [Fact]
    public void Runs_list_newest_first_and_filter_by_workflow()
    {
        store.CreateRun(Run("old", createdAt: At(1)), Steps);
        store.CreateRun(Run("new", createdAt: At(3)), Steps);
        store.CreateRun(Run("mid-b", createdAt: At(2)), Steps);
        store.CreateRun(Run("mid-a", createdAt: At(2)), Steps);
        store.CreateRun(Run("other", "zip-1.0.0", At(9)), new[] { "zip" });

        Assert.Equal(new[] { "other", "new", "mid-a", "mid-b", "old" }, store.GetRuns().Select(r => r.RunId));
        var imgRuns = store.GetRuns("img-1.0.0");
        Assert.Equal(new[] { "new", "mid-a", "mid-b", "old" }, imgRuns.Select(r => r.RunId));
        Assert.All(imgRuns, r => Assert.Equal(Steps, r.Steps.Select(s => s.Step)));
        Assert.Equal("zip", Assert.Single(store.GetRuns("zip-1.0.0")[0].Steps).Step);
        Assert.Empty(store.GetRuns("nope-1.0.0"));
    }

    [Fact]
    public void Times_round_trip_in_UTC_to_the_millisecond()
    {
        var local = new DateTimeOffset(2025, 6, 7, 8, 9, 10, 123, TimeSpan.FromHours(-7)).AddTicks(4567);
        store.CreateRun(Run("r1", createdAt: local), Steps);
        store.Apply(new[] { new RunStateChange("r1", local.AddMilliseconds(1), RunState.Running) });

        var run = store.GetRun("r1")!;

        Assert.Equal(new DateTimeOffset(2025, 6, 7, 15, 9, 10, 123, TimeSpan.Zero), run.CreatedAt);
        Assert.Equal(TimeSpan.Zero, run.CreatedAt.Offset);
        Assert.Equal(new DateTimeOffset(2025, 6, 7, 15, 9, 10, 124, TimeSpan.Zero), run.StartedAt);
    }

    [Fact]
    public void Unknown_run_reads_as_null_and_empty_lists()
    {
        Assert.Null(store.GetRun("ghost"));
        Assert.Empty(store.GetStepRecords("ghost"));
        Assert.Empty(store.GetItemRecords("ghost", "a"));
        Assert.Empty(store.GetLogs("ghost"));
        Assert.Empty(store.GetHistory("ghost"));
    }
}
