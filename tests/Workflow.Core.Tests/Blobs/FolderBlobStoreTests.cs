using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;

namespace Workflow.Tests.Blobs;

/// <summary>The local blob store's conditional put: what makes a step start once on one machine's folder.</summary>
public sealed class FolderBlobStoreTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "wf-blobs-" + Guid.NewGuid().ToString("N").Substring(0, 8));

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Of_racing_conditional_puts_of_one_key_exactly_one_wins_and_its_content_stands()
    {
        var store = new FolderBlobStore(root);
        const int Keys = 200, Writers = 8;
        using var start = new Barrier(Writers);
        var wins = new int[Keys];
        var winner = new int[Keys];
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(() =>
        {
            for (var k = 0; k < Keys; k++)
            {
                start.SignalAndWait(); // every key a fresh race: the writers meet before each
                if (store.PutIfAbsentAsync($"claims/k{k}", new[] { (byte)w }).GetAwaiter().GetResult()) { Interlocked.Increment(ref wins[k]); winner[k] = w; }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(writers);

        Assert.All(wins, n => Assert.Equal(1, n));
        for (var k = 0; k < Keys; k++) Assert.Equal(new[] { (byte)winner[k] }, await store.GetAsync($"claims/k{k}"));
        Assert.Equal(Keys, (await store.ListAsync("claims/")).Count); // no temporary file left behind
    }
}
