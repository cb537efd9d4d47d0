using System.Linq;
using System.Threading.Tasks;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.Tests.Placement;

/// <summary>The performance collector: a stated model of great-circle distance offline, or an imported table.</summary>
public sealed class LatencyCollectorTests
{
    [Fact]
    public async Task The_model_covers_every_ordered_pair_is_symmetric_and_grows_with_distance()
    {
        using var home = new PlacementHome();
        var regions = new[] { "aws:us-east-1", "aws:us-east-2", "aws:eu-central-1", "aws:ap-southeast-2" };

        var result = await home.CollectAsync(DataCollector.Performance, regions);

        Assert.Equal(16, result.Latencies.Count);
        RegionLatency Between(string a, string b) => result.Latencies.Single(l => l.From == a && l.To == b);
        foreach (var a in regions)
        {
            foreach (var b in regions) Assert.Equal(Between(a, b).MeanSeconds, Between(b, a).MeanSeconds, 12);
        }
        Assert.Equal(0.005, Between("aws:us-east-1", "aws:us-east-1").MeanSeconds, 9);
        var ohio = Between("aws:us-east-1", "aws:us-east-2");
        var frankfurt = Between("aws:us-east-1", "aws:eu-central-1");
        var sydney = Between("aws:us-east-1", "aws:ap-southeast-2");
        Assert.True(ohio.MeanSeconds < frankfurt.MeanSeconds && frankfurt.MeanSeconds < sydney.MeanSeconds);
        Assert.True(ohio.BytesPerSecond >= frankfurt.BytesPerSecond && frankfurt.BytesPerSecond > sydney.BytesPerSecond);
        Assert.Equal(1.3 * frankfurt.MeanSeconds, frankfurt.P95Seconds, 12);
        Assert.StartsWith("modelled: one-way = 5 ms + great-circle distance / (200 km/ms) × 1.5 route factor", frankfurt.Source);
        Assert.Contains("assumed", frankfurt.Source);
    }

    [Fact]
    public void Haversine_gives_the_known_distance_from_Virginia_to_Frankfurt()
    {
        // us-east-1 (39.1057, -77.5544) to eu-central-1 (50.1106, 8.6822): about 6,550 km on the great circle.
        var km = LatencyCollector.DistanceKm(39.1057, -77.5544, 50.1106, 8.6822);

        Assert.InRange(km, 6500, 6600);
    }

    [Fact]
    public async Task A_latency_table_is_imported_with_its_throughput_or_the_modelled_one()
    {
        using var home = new PlacementHome();
        var path = home.WriteFile("latency.csv", "from,to,mean_ms,p95_ms,mbps\nus-east-1,us-west-2,31.5,40,800\naws:us-west-2,aws:us-east-1,32,41,\n");

        var result = await home.CollectAsync(DataCollector.Performance, path: path);

        Assert.Equal(2, result.Latencies.Count);
        var east = result.Latencies.Single(l => l.From == "aws:us-east-1");
        Assert.Equal("aws:us-west-2", east.To);
        Assert.Equal(0.0315, east.MeanSeconds, 9);
        Assert.Equal(0.040, east.P95Seconds, 9);
        Assert.Equal(100e6, east.BytesPerSecond, 3);
        Assert.Equal("imported from latency.csv", east.Source);
        var west = result.Latencies.Single(l => l.From == "aws:us-west-2");
        Assert.Contains("imported from latency.csv; throughput = min(", west.Source);
        Assert.Equal(2, home.Engine.Store.GetCollected(DataCollector.Performance).Count);
    }

    [Theory]
    [InlineData("a,b,c\n1,2,3\n", "line 1", "not from,to,mean_ms,p95_ms")]
    [InlineData("from,to,mean_ms,p95_ms\nus-east-1,us-west-2,fast,40\n", "line 2", "'fast'")]
    [InlineData("from,to,mean_ms,p95_ms\nus-east-1,us-west-2,50,40\n", "line 2", "p95_ms at least mean_ms")]
    public async Task A_bad_latency_table_is_PlacementDataFileInvalid_naming_its_line(string text, string line, string problem)
    {
        using var home = new PlacementHome();

        var e = await Assert.ThrowsAsync<WorkflowException>(() => home.CollectAsync(DataCollector.Performance, path: home.WriteFile("bad.csv", text)));

        Assert.Equal(WorkflowErrors.PlacementDataFileInvalid, e.Error);
        Assert.Contains("bad.csv, " + line, e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Empty(home.Engine.Store.GetCollected(DataCollector.Performance));
    }
}
