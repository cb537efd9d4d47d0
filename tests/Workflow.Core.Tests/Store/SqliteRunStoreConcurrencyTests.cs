using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;
using Workflow.Store;
using Xunit.Abstractions;
using static Workflow.Tests.Store.TempStoreFolder;

namespace Workflow.Tests.Store;

/// <summary>Several sessions writing one file at once, and how fast one session writes.</summary>
public sealed class SqliteRunStoreConcurrencyTests : IDisposable
{
    private readonly TempStoreFolder folder = new();
    private readonly ITestOutputHelper output;

    public SqliteRunStoreConcurrencyTests(ITestOutputHelper output) => this.output = output;

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Two_stores_on_one_file_writing_from_several_threads_lose_no_change()
    {
        const int Stores = 2, ThreadsPerStore = 4, ChangesPerThread = 500;
        var stores = Enumerable.Range(0, Stores).Select(_ => folder.Open()).ToArray();
        try
        {
            var steps = Enumerable.Range(0, Stores * ThreadsPerStore).Select(i => "step" + i).ToArray();
            stores[0].CreateRun(Run("r1"), steps);
            using var start = new Barrier(steps.Length);

            var writers = steps.Select((step, i) => Task.Factory.StartNew(() =>
            {
                var store = stores[i % Stores];
                start.SignalAndWait();
                for (var n = 1; n <= ChangesPerThread; n++)
                {
                    // Alternate single changes with small batches, as the engine does.
                    var changes = new List<StoreChange>
                    {
                        new StepStateChange("r1", T0.AddMilliseconds(n), step, n % 2 == 1 ? StepState.Running : StepState.Failed, Attempt: n),
                    };
                    if (n % 5 == 0)
                    {
                        changes.Add(new LogAppended(new WorkflowLogRecord { RunId = "r1", Step = step, Attempt = n, Stream = "Output", Message = "n=" + n, Time = T0 }));
                    }
                    store.Apply(changes);
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            await Task.WhenAll(writers);

            using var reader = folder.Open();
            var run = reader.GetRun("r1")!;
            var history = reader.GetHistory("r1");
            foreach (var step in run.Steps)
            {
                Assert.Equal(ChangesPerThread, step.Attempt);
                Assert.Equal(StepState.Failed, step.State);
                Assert.Equal(1 + ChangesPerThread, history.Count(h => h.Step == step.Step));
                Assert.Equal(ChangesPerThread / 5, reader.GetLogs("r1", step.Step).Count);
                // Each thread's own changes stay in the order it wrote them.
                var attempts = history.Where(h => h.Step == step.Step && h.State != "Pending").Select(h => h.Time).ToList();
                Assert.Equal(attempts.OrderBy(t => t), attempts);
            }
            Assert.Equal(1 + steps.Length * (1 + ChangesPerThread), history.Count);
            Assert.Equal("ok", reader.CheckIntegrity());
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    [Fact]
    public async Task Sessions_opening_a_new_file_at_once_migrate_it_once()
    {
        using var start = new Barrier(6);
        var opens = Enumerable.Range(0, 6).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return folder.Open();
        }, TaskCreationOptions.LongRunning)).ToArray();
        var stores = await Task.WhenAll(opens);
        try
        {
            stores[0].CreateRun(Run("r1"), new[] { "a" });
            Assert.All(stores, s => Assert.Equal("r1", s.GetRun("r1")!.RunId));
            Assert.Equal("ok", stores[5].CheckIntegrity());
        }
        finally
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    [Fact]
    public void Throughput_of_step_changes_in_batches_of_50()
    {
        const int Total = 5000, Batch = 50;
        using var store = folder.Open();
        var steps = Enumerable.Range(0, Batch).Select(i => "step" + i).ToArray();
        store.CreateRun(Run("r1"), steps);
        var batches = Enumerable.Range(0, Total / Batch).Select(b => (IReadOnlyList<StoreChange>)steps
            .Select(step => (StoreChange)new StepStateChange("r1", T0.AddSeconds(b), step, b % 2 == 0 ? StepState.Running : StepState.Succeeded, Attempt: b + 1, OutputJson: "{\"b\":" + b + "}"))
            .ToList()).ToList();

        var clock = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            store.Apply(batch);
        }
        clock.Stop();

        var reads = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            store.GetRun("r1");
        }
        reads.Stop();

        output.WriteLine($"Apply: {Total} step changes in batches of {Batch}: {clock.Elapsed.TotalMilliseconds:F0} ms, {Total / clock.Elapsed.TotalSeconds:F0} changes/s");
        output.WriteLine($"GetRun with {Batch} steps: {reads.Elapsed.TotalMilliseconds / 200:F3} ms per call");
        Assert.Equal(Total / Batch, store.GetStepRecords("r1")[0].Attempt);
        Assert.Equal(1 + Batch + Total, store.GetHistory("r1").Count);
    }
}
