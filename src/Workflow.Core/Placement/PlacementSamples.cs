using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// A placement problem as arrays, and the Monte Carlo samples every plan of a solve shares: per
/// sample, which steps ran, how many items each foreach had, each step's duration and busy time in
/// each region, each output's size and each edge's latency draw. What does not depend on the plan
/// is drawn once here; <see cref="PlanEvaluator"/> only adds up what a plan picks.
/// </summary>
internal sealed class PlacementSamples
{
    public PlacementSamples(PlacementProblem problem, int samples, int seed)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "At least one Monte Carlo sample is needed.");
        Problem = problem;
        SampleCount = samples;
        var draws = new CommonDraws(seed);
        var steps = problem.Definition.Steps;
        StepNames = steps.Select(s => s.Name).ToArray();
        RegionNames = problem.Regions.ToArray();
        HomeIndex = Array.IndexOf(RegionNames, problem.Home);
        if (HomeIndex < 0) throw Missing($"the home region '{problem.Home}' is not among the problem's regions ({string.Join(", ", RegionNames)})");

        var stepIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < StepNames.Length; i++) stepIndex[StepNames[i]] = i;
        var edges = new List<(int From, int To)>();
        EdgesInto = new int[StepNames.Length][];
        for (var i = 0; i < steps.Count; i++)
        {
            var into = new List<int>();
            foreach (var need in steps[i].Needs)
            {
                if (!stepIndex.TryGetValue(need, out var from)) throw Missing($"step '{steps[i].Name}' needs '{need}', which the workflow does not have");
                into.Add(edges.Count);
                edges.Add((from, i));
            }
            EdgesInto[i] = into.ToArray();
        }
        EdgeFrom = edges.Select(e => e.From).ToArray();
        EdgeTo = edges.Select(e => e.To).ToArray();
        EdgesOf = Enumerable.Range(0, StepNames.Length).Select(i => Enumerable.Range(0, edges.Count).Where(e => EdgeFrom[e] == i || EdgeTo[e] == i).ToArray()).ToArray();
        Order = TopologicalOrder();
        Allowed = StepNames.Select(AllowedRegions).ToArray();

        Ran = new bool[StepNames.Length][];
        Items = new double[StepNames.Length][];
        OutputBytes = new double[StepNames.Length][];
        Duration = new double[StepNames.Length][][];
        Busy = new double[StepNames.Length][][];
        BusyMean = new double[StepNames.Length][];
        ItemsMean = new double[StepNames.Length];
        MemoryMb = new double[StepNames.Length];
        foreach (var step in Order) DrawStep(step, draws);

        EdgeLive = new bool[EdgeFrom.Length][];
        EdgeBytes = new double[EdgeFrom.Length][];
        EdgeBytesMean = new double[EdgeFrom.Length];
        LatencyZ = new double[EdgeFrom.Length][];
        for (var e = 0; e < EdgeFrom.Length; e++)
        {
            EdgeLive[e] = new bool[samples];
            EdgeBytes[e] = new double[samples];
            LatencyZ[e] = new double[samples];
            for (var s = 0; s < samples; s++)
            {
                // An output moves only when its step ran and the step needing it ran too.
                var live = Ran[EdgeFrom[e]][s] && Ran[EdgeTo[e]][s];
                EdgeLive[e][s] = live;
                EdgeBytes[e][s] = live ? OutputBytes[EdgeFrom[e]][s] : 0;
                LatencyZ[e][s] = draws.Normal(s, e, CommonDraws.LatencyStream);
            }
            EdgeBytesMean[e] = EdgeBytes[e].Average();
        }
        // The hops to and from home get addresses after the edges', so no two latencies share a draw.
        StartZ = new double[StepNames.Length][];
        EndZ = new double[StepNames.Length][];
        for (var step = 0; step < StepNames.Length; step++)
        {
            StartZ[step] = new double[samples];
            EndZ[step] = new double[samples];
            for (var s = 0; s < samples; s++)
            {
                StartZ[step][s] = draws.Normal(s, EdgeFrom.Length + step, CommonDraws.LatencyStream);
                EndZ[step][s] = draws.Normal(s, EdgeFrom.Length + StepNames.Length + step, CommonDraws.LatencyStream);
            }
        }
    }

    public PlacementProblem Problem { get; }
    public int SampleCount { get; }
    public string[] StepNames { get; }
    public string[] RegionNames { get; }
    public int HomeIndex { get; }
    /// <summary>Step indices, every step after all it needs.</summary>
    public int[] Order { get; }
    /// <summary>Per step, the region indices it may go to.</summary>
    public int[][] Allowed { get; }
    public int[] EdgeFrom { get; }
    public int[] EdgeTo { get; }
    /// <summary>Per step, the edges (indices) from its needs.</summary>
    public int[][] EdgesInto { get; }
    /// <summary>Per step, the edges (indices) from its needs and to the steps that need it.</summary>
    public int[][] EdgesOf { get; }
    public double[] MemoryMb { get; }
    /// <summary>[step][sample]: whether the step ran in that sample.</summary>
    public bool[][] Ran { get; }
    /// <summary>[step][sample]: invocations (foreach items; 1 for a plain step; 0 when it did not run).</summary>
    public double[][] Items { get; }
    public double[] ItemsMean { get; }
    /// <summary>[step][sample]: bytes of its output.</summary>
    public double[][] OutputBytes { get; }
    /// <summary>[step][region][sample]: wall-clock seconds (a foreach's slowest item). Regions sharing samples share the array.</summary>
    public double[][][] Duration { get; }
    /// <summary>[step][region][sample]: billed seconds (the sum over a foreach's items).</summary>
    public double[][][] Busy { get; }
    public double[][] BusyMean { get; }
    /// <summary>[edge][sample]: whether the edge carried an output (both ends ran).</summary>
    public bool[][] EdgeLive { get; }
    public double[][] EdgeBytes { get; }
    public double[] EdgeBytesMean { get; }
    /// <summary>[edge][sample]: the standard normal that sets the edge's latency in that sample.</summary>
    public double[][] LatencyZ { get; }
    /// <summary>[step][sample]: the standard normal of the hop from home that starts a first step.</summary>
    public double[][] StartZ { get; }
    /// <summary>[step][sample]: the standard normal of the hop that reports the step's end home.</summary>
    public double[][] EndZ { get; }
    /// <summary>What the samples rest on besides data, for the plan's Assumptions.</summary>
    public List<string> Assumptions { get; } = new();

    private void DrawStep(int step, CommonDraws draws)
    {
        var name = StepNames[step];
        var definition = Problem.Definition.Steps[step];
        if (!Problem.Steps.TryGetValue(name, out var profile)) throw Missing($"step '{name}' has no profile");
        MemoryMb[step] = profile.MemoryMb > 0 ? profile.MemoryMb : definition.MemoryMb;
        var n = SampleCount;
        var ran = new bool[n];
        var width = new int[n];
        var output = new double[n];
        var items = new double[n];
        var isForeach = definition.Foreach != null || profile.FanOutWidths.Count > 0;
        if (isForeach && profile.FanOutWidths.Count == 0) Assumptions.Add($"assumed: foreach step '{name}' runs 1 item (no fan-out widths collected)");
        for (var s = 0; s < n; s++)
        {
            // A step is reached when it has no needs or one of them ran (DESIGN §3: all needs Skipped → Skipped);
            // then it runs with its observed probability, as Caribou's conditional edges.
            var reached = EdgesInto[step].Length == 0 || EdgesInto[step].Any(e => Ran[EdgeFrom[e]][s]);
            ran[s] = reached && draws.Uniform(s, step, CommonDraws.RunStream) < profile.RunProbability;
            if (!ran[s]) continue;
            width[s] = profile.FanOutWidths.Count > 0
                ? profile.FanOutWidths[draws.Index(profile.FanOutWidths.Count, s, step, CommonDraws.WidthStream)]
                : 1;
            items[s] = width[s];
            output[s] = profile.OutputBytes.Count > 0 ? profile.OutputBytes[draws.Index(profile.OutputBytes.Count, s, step, CommonDraws.OutputStream)] : 0;
        }
        Ran[step] = ran;
        Items[step] = items;
        ItemsMean[step] = items.Average();
        OutputBytes[step] = output;

        Duration[step] = new double[RegionNames.Length][];
        Busy[step] = new double[RegionNames.Length][];
        BusyMean[step] = new double[RegionNames.Length];
        var byList = new Dictionary<IReadOnlyList<double>, (double[] Duration, double[] Busy, double Mean)>();
        for (var r = 0; r < RegionNames.Length; r++)
        {
            var runtimes = RuntimeSamples(profile, RegionNames[r]);
            if (!byList.TryGetValue(runtimes, out var drawn))
            {
                var duration = new double[n];
                var busy = new double[n];
                for (var s = 0; s < n; s++)
                {
                    // Items run in parallel: the step lasts as its slowest item and is billed for all of them.
                    // The same item draw picks the same rank of sample in every region's list.
                    for (var item = 0; item < width[s]; item++)
                    {
                        var seconds = runtimes[draws.Index(runtimes.Count, s, step, CommonDraws.RuntimeStream, item)];
                        busy[s] += seconds;
                        if (seconds > duration[s]) duration[s] = seconds;
                    }
                }
                drawn = (duration, busy, busy.Average());
                byList[runtimes] = drawn;
            }
            Duration[step][r] = drawn.Duration;
            Busy[step][r] = drawn.Busy;
            BusyMean[step][r] = drawn.Mean;
        }
    }

    /// <summary>The region's own samples, else home's, else this machine's ("local", taken as home), else any region's.</summary>
    private IReadOnlyList<double> RuntimeSamples(StepProfile profile, string region)
    {
        var byRegion = profile.RuntimeSeconds;
        if (byRegion.TryGetValue(region, out var own) && own.Count > 0) return own;
        if (byRegion.TryGetValue(Problem.Home, out var home) && home.Count > 0) return home;
        if (byRegion.TryGetValue("local", out var local) && local.Count > 0) return local;
        foreach (var pair in byRegion.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (pair.Value.Count == 0) continue;
            var note = $"assumed: runtime of step '{profile.Step}' outside {pair.Key} as in {pair.Key} (no samples at home)";
            if (!Assumptions.Contains(note)) Assumptions.Add(note);
            return pair.Value;
        }
        throw new WorkflowException(
            WorkflowErrors.PlacementNoRuntimeSamples,
            $"Step '{profile.Step}' of workflow '{Problem.Definition.WorkflowId}' has no runtime samples in any region, so its placement cannot be estimated. " +
            "Run the workflow at least once (Start-WorkflowRun -Wait), then Invoke-DataCollector -Collector Workflow.",
            profile.Step);
    }

    private int[] AllowedRegions(string step)
    {
        if (!Problem.StepRegions.TryGetValue(step, out var names)) return Enumerable.Range(0, RegionNames.Length).ToArray();
        if (names.Count == 0) throw Missing($"step '{step}' may go to no region (its pins and the workflow's allowed regions do not meet)");
        return names.Select(n =>
        {
            var index = Array.IndexOf(RegionNames, n);
            return index >= 0 ? index : throw Missing($"step '{step}' may go to '{n}', which is not among the problem's regions");
        }).ToArray();
    }

    private int[] TopologicalOrder()
    {
        var order = new List<int>();
        var state = new int[StepNames.Length]; // 0 unseen, 1 on the path, 2 placed
        void Visit(int step)
        {
            if (state[step] == 2) return;
            if (state[step] == 1) throw Missing($"steps need each other in a cycle through '{StepNames[step]}'");
            state[step] = 1;
            foreach (var e in EdgesInto[step]) Visit(EdgeFrom[e]);
            state[step] = 2;
            order.Add(step);
        }
        for (var i = 0; i < StepNames.Length; i++) Visit(i);
        return order.ToArray();
    }

    private WorkflowException Missing(string what) => new(
        WorkflowErrors.PlacementDataMissing,
        $"The placement problem of workflow '{Problem.Definition.WorkflowId}' is incomplete: {what}. Run Invoke-DataCollector -Collector All, then Find-WorkflowDeployment again.",
        Problem.Definition.WorkflowId);
}
