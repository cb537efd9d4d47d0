using System.Diagnostics;
using System.Globalization;
using Workflow.Model;
using Workflow.Placement;

// Usage: dotnet run -c Release --project bench/Workflow.Bench.Placement
// The inputs are synthetic (seeded): carbon series with a daily swing, latencies from made-up
// coordinates, five runtime samples a step, a hard runtime constraint of 120% of home.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var day = Enumerable.Range(0, 24).ToArray();

var fanOut = Problem(seed: 9, regionCount: 12, FanOutFanIn());
Console.WriteLine("24 plans, 9 steps (1 -> 6 -> 1 -> 1), 12 regions, hard runtime p95 <= 120% of home:");
for (var round = 1; round <= 3; round++)
{
    foreach (var algorithm in new[] { PlacementAlgorithm.Default, PlacementAlgorithm.Coarse })
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var plans = PlacementSolver.Solve(fanOut, day, algorithm, null, null, CancellationToken.None);
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"  round {round} {algorithm,-8} {clock.Elapsed.TotalSeconds,6:F3} s wall, {used.TotalSeconds,6:F3} s CPU, mean carbon saved {plans.Average(p => p.CarbonSavedPercent),5:F1}%");
    }
}

var noon = PlacementSolver.Solve(fanOut, new[] { 12 }, PlacementAlgorithm.Default, null, null, CancellationToken.None).Single();
Console.WriteLine($"  hour 12: {string.Join(", ", noon.Placement.Select(p => $"{p.Key}={p.Value}"))}");
Console.WriteLine($"    carbon {noon.Carbon} g (home {noon.Home.Carbon}), cost {noon.Cost} USD, runtime {noon.Runtime} s (home {noon.Home.Runtime}), saved {noon.CarbonSavedPercent:F1}%");
foreach (var line in noon.Binding) Console.WriteLine($"    binding: {line}");
foreach (var line in noon.Assumptions) Console.WriteLine($"    assumption: {line}");

// Default's gap to the exact optimum where it can be computed: 100,000 plans an hour.
foreach (var (name, shape) in new[] { ("5-step chain", Chain(5)), ("5 steps 1 -> 3 -> 1", Diamond(3)) })
{
    for (var seed = 1; seed <= 3; seed++)
    {
        var small = Problem(seed, regionCount: 10, shape);
        var timer = Stopwatch.StartNew();
        var exact = PlacementSolver.Solve(small, day, PlacementAlgorithm.Exhaustive, null, null, CancellationToken.None);
        var exactTime = timer.Elapsed;
        timer.Restart();
        var found = PlacementSolver.Solve(small, day, PlacementAlgorithm.Default, null, null, CancellationToken.None);
        var foundTime = timer.Elapsed;
        var coarse = PlacementSolver.Solve(small, day, PlacementAlgorithm.Coarse, null, null, CancellationToken.None);
        var gaps = exact.Zip(found, (e, f) => (f.Carbon.Mean - e.Carbon.Mean) / e.Carbon.Mean * 100).ToArray();
        var coarseGaps = exact.Zip(coarse, (e, c) => (c.Carbon.Mean - e.Carbon.Mean) / e.Carbon.Mean * 100).ToArray();
        Console.WriteLine($"  {name}, 10 regions, seed {seed}: Exhaustive {exactTime.TotalSeconds:F2} s, Default {foundTime.TotalSeconds:F3} s; " +
            $"Default's carbon gap worst {gaps.Max():F4}%, mean {gaps.Average():F4}%; Coarse's worst {coarseGaps.Max():F2}%");
    }
}

static (string Name, string[] Needs)[] FanOutFanIn()
{
    var branches = Enumerable.Range(1, 6).Select(i => $"work{i}").ToArray();
    return new[] { ("split", Array.Empty<string>()) }
        .Concat(branches.Select(b => (b, new[] { "split" })))
        .Concat(new[] { ("join", branches), ("report", new[] { "join" }) })
        .ToArray();
}

static (string Name, string[] Needs)[] Diamond(int width)
{
    var branches = Enumerable.Range(1, width).Select(i => $"b{i}").ToArray();
    return new[] { ("split", Array.Empty<string>()) }
        .Concat(branches.Select(b => (b, new[] { "split" })))
        .Concat(new[] { ("join", branches) })
        .ToArray();
}

static (string Name, string[] Needs)[] Chain(int steps) =>
    Enumerable.Range(0, steps).Select(i => ($"s{i}", i == 0 ? Array.Empty<string>() : new[] { $"s{i - 1}" })).ToArray();

static PlacementProblem Problem(int seed, int regionCount, (string Name, string[] Needs)[] shape)
{
    var random = new Random(seed);
    var regions = Enumerable.Range(0, regionCount).Select(r => r == 0 ? "aws:home" : $"aws:r{r}").ToArray();
    var places = regions.Select(_ => (X: random.NextDouble() * 100, Y: random.NextDouble() * 100)).ToArray();
    var carbon = new Dictionary<string, IReadOnlyList<double>>();
    var facts = new Dictionary<string, RegionFacts>();
    foreach (var region in regions)
    {
        var level = 50 + random.NextDouble() * 650;
        var swing = random.NextDouble() * 0.6;
        var phase = random.Next(24);
        carbon[region] = Enumerable.Range(0, 24).Select(h => level * (1 + swing * Math.Sin((h + phase) * Math.PI / 12))).ToArray();
        facts[region] = new RegionFacts
        {
            Region = region,
            Pue = PlacementModel.DefaultPue,
            ComputePricePerGbSecond = PlacementModel.DefaultComputePricePerGbSecond * (0.9 + random.NextDouble() * 0.3),
            RequestPrice = PlacementModel.DefaultRequestPrice,
            TransferPricePerGb = PlacementModel.DefaultTransferPricePerGb,
        };
    }
    var latencies = new Dictionary<string, RegionLatency>();
    for (var a = 0; a < regions.Length; a++)
    {
        for (var b = 0; b < regions.Length; b++)
        {
            var distance = Math.Sqrt(Math.Pow(places[a].X - places[b].X, 2) + Math.Pow(places[a].Y - places[b].Y, 2));
            latencies[PlacementProblem.LatencyKey(regions[a], regions[b])] = new RegionLatency
            {
                From = regions[a],
                To = regions[b],
                MeanSeconds = 0.002 + distance * 0.001,
                P95Seconds = 0.004 + distance * 0.0015,
                BytesPerSecond = 5e7,
            };
        }
    }
    // Half the regions have their own runtimes (a machine 0.7..1.3 times home's speed); the rest take home's.
    var speed = regions.Select((_, r) => r % 2 == 1 ? 0.7 + random.NextDouble() * 0.6 : 1.0).ToArray();
    var steps = shape.Select(s => new StepDefinition { Name = s.Name, Needs = s.Needs, Run = "s.ps1", MemoryMb = 1024 }).ToArray();
    var profiles = steps.ToDictionary(s => s.Name, s => new StepProfile
    {
        Step = s.Name,
        RuntimeSeconds = Runtimes(random, regions, speed),
        OutputBytes = new[] { random.NextDouble() * 2e6 },
        MemoryMb = 1024,
    });
    return new PlacementProblem
    {
        Definition = new WorkflowDefinition
        {
            Name = "bench",
            Version = "1.0.0",
            HomeRegion = "aws:home",
            Constraints = new ConstraintSpec { Hard = new Dictionary<string, Constraint> { ["runtime"] = new("relative", 120) } },
            Steps = steps,
        },
        Home = "aws:home",
        Regions = regions,
        StepRegions = steps.ToDictionary(s => s.Name, _ => (IReadOnlyList<string>)regions),
        Facts = facts,
        Carbon = carbon,
        Latencies = latencies,
        Steps = profiles,
    };
}

static Dictionary<string, IReadOnlyList<double>> Runtimes(Random random, string[] regions, double[] speed)
{
    var home = Enumerable.Range(0, 5).Select(_ => 0.2 + random.NextDouble() * 3).ToArray();
    var byRegion = new Dictionary<string, IReadOnlyList<double>> { ["aws:home"] = home };
    for (var r = 1; r < regions.Length; r++)
    {
        if (speed[r] != 1.0) byRegion[regions[r]] = home.Select(t => t * speed[r]).ToArray();
    }
    return byRegion;
}
