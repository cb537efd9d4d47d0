using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Store;
using static Workflow.Tests.Store.TempStoreFolder;

namespace Workflow.Tests.Store;

public sealed class SqliteRunStoreClaimTests : IDisposable
{
    private readonly TempStoreFolder folder = new();
    private readonly SqliteRunStore store;

    public SqliteRunStoreClaimTests()
    {
        store = folder.Open();
        store.CreateRun(Run("r1"), new[] { "a" });
        store.CreateRun(Run("r2"), new[] { "a" });
    }

    public void Dispose()
    {
        store.Dispose();
        folder.Dispose();
    }

    [Fact]
    public void Claiming_an_unowned_run_sets_owner_and_heartbeat()
    {
        Assert.True(store.TryClaimRun("r1", null, "host:1:a", T0.AddSeconds(5)));

        var run = store.GetRun("r1")!;
        Assert.Equal("host:1:a", run.Owner);
        Assert.Equal(T0.AddSeconds(5), run.HeartbeatAt);
    }

    [Fact]
    public void Second_claimer_with_a_stale_expectation_fails_and_changes_nothing()
    {
        using var other = folder.Open();
        Assert.True(store.TryClaimRun("r1", null, "host:1:a", T0));

        Assert.False(other.TryClaimRun("r1", null, "host:2:b", T0.AddSeconds(1)));

        Assert.Equal("host:1:a", store.GetRun("r1")!.Owner);
        Assert.Equal(T0, store.GetRun("r1")!.HeartbeatAt);
    }

    [Fact]
    public void Taking_over_a_run_needs_its_current_owner()
    {
        store.TryClaimRun("r1", null, "host:1:a", T0);

        Assert.False(store.TryClaimRun("r1", "host:9:z", "host:2:b", T0));
        Assert.True(store.TryClaimRun("r1", "host:1:a", "host:2:b", T0));
        Assert.Equal("host:2:b", store.GetRun("r1")!.Owner);
    }

    [Fact]
    public void Claiming_an_unknown_run_fails()
    {
        Assert.False(store.TryClaimRun("ghost", null, "host:1:a", T0));
    }

    [Fact]
    public async Task Exactly_one_of_many_concurrent_claimers_wins()
    {
        using var other = folder.Open();
        using var start = new Barrier(8);
        // Own threads: eight pool tasks blocked on a barrier would wait for the pool to grow.
        var wins = Enumerable.Range(0, 8).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return (i % 2 == 0 ? store : other).TryClaimRun("r1", null, "owner-" + i, T0);
        }, TaskCreationOptions.LongRunning)).ToArray();

        Assert.Equal(1, (await Task.WhenAll(wins)).Count(won => won));
    }

    [Fact]
    public void Heartbeat_touches_only_the_owners_runs()
    {
        store.TryClaimRun("r1", null, "me", T0);
        store.TryClaimRun("r2", null, "someone-else", T0);

        store.Heartbeat("me", new[] { "r1", "r2", "ghost" }, T0.AddMinutes(1));

        Assert.Equal(T0.AddMinutes(1), store.GetRun("r1")!.HeartbeatAt);
        Assert.Equal(T0, store.GetRun("r2")!.HeartbeatAt);
    }

    [Fact]
    public void An_interrupted_run_is_let_go_by_its_owner_only_and_its_history_says_why()
    {
        store.TryClaimRun("r1", null, "me", T0);
        store.TryClaimRun("r2", null, "someone-else", T0);

        store.Apply(new StoreChange[]
        {
            new RunInterrupted("r1", T0.AddSeconds(1), "me", "The session ended while a ran."),
            new RunInterrupted("r2", T0.AddSeconds(1), "me", "The session ended."),
        });

        Assert.Null(store.GetRun("r1")!.Owner);
        Assert.Equal("someone-else", store.GetRun("r2")!.Owner);
        var note = store.GetHistory("r1").Last();
        Assert.Equal("Interrupted", note.State);
        Assert.Null(note.Step);
        Assert.Equal("The session ended while a ran.", note.Detail);
        Assert.DoesNotContain(store.GetHistory("r2"), h => h.State == "Interrupted");
        Assert.Equal(Workflow.Model.RunState.Queued, store.GetRun("r1")!.State);
    }
}
