using System;
using System.Collections.Generic;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// Everything a solver needs to place one workflow's steps (DESIGN §7), gathered from the collected
/// data by <c>PlacementProblemBuilder</c> and checked there: every candidate region has facts,
/// carbon for 24 hours and latencies to every other candidate; every step has a profile. Gaps the
/// builder filled with an assumption are listed in <see cref="Assumptions"/>, never silent.
/// </summary>
public sealed record PlacementProblem
{
    public WorkflowDefinition Definition { get; init; } = new();
    /// <summary>The home region (aws:us-east-1): where every step runs in the all-at-home plan.</summary>
    public string Home { get; init; } = "";
    /// <summary>Regions steps may be placed in (allowed minus disallowed), home first.</summary>
    public IReadOnlyList<string> Regions { get; init; } = Array.Empty<string>();
    /// <summary>Per step, the regions it may go to: its pins if it has any, else <see cref="Regions"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> StepRegions { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    public IReadOnlyDictionary<string, RegionFacts> Facts { get; init; } = new Dictionary<string, RegionFacts>();
    /// <summary>Region → 24 values (gCO2eq/kWh at each UTC hour of the forecast day).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> Carbon { get; init; } = new Dictionary<string, IReadOnlyList<double>>();
    /// <summary>"from|to" → latency, both directions and each region to itself.</summary>
    public IReadOnlyDictionary<string, RegionLatency> Latencies { get; init; } = new Dictionary<string, RegionLatency>();
    /// <summary>Step name → what runs say of it; runtimes keyed by region (a region without samples takes home's, listed in Assumptions).</summary>
    public IReadOnlyDictionary<string, StepProfile> Steps { get; init; } = new Dictionary<string, StepProfile>();
    public IReadOnlyList<string> Assumptions { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Sources { get; init; } = Array.Empty<string>();

    public static string LatencyKey(string from, string to) => from + "|" + to;
}
