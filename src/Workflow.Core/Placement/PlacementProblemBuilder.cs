using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Placement;

/// <summary>
/// Builds the <see cref="PlacementProblem"/> of a workflow from collected data: a pure function of
/// the definition and the records (so it is tested without a store), and <see cref="FromStore"/> to
/// read them. Data a plan cannot do without is a PlacementDataMissing error that names the collector
/// to run; a gap it can bridge is bridged by a labelled assumption in <see cref="PlacementProblem.Assumptions"/>.
/// </summary>
public static class PlacementProblemBuilder
{
    /// <summary>The key of runtimes measured in this session's runs (see StepProfile.RuntimeSeconds).</summary>
    public const string Local = "local";

    private static readonly Regex HourOfSource = new(@" at \d\d:00 UTC|: no value at \d\d:00 UTC, the window's mean", RegexOptions.CultureInvariant);

    public static PlacementProblem FromStore(IRunStore store, WorkflowDefinition definition)
    {
        if (store is null) throw new ArgumentNullException(nameof(store));
        if (definition is null) throw new ArgumentNullException(nameof(definition));
        return Build(definition, CollectedData.Facts(store), CollectedData.Carbon(store), CollectedData.Latencies(store), CollectedData.Steps(store, definition.WorkflowId));
    }

    public static PlacementProblem Build(
        WorkflowDefinition definition,
        IReadOnlyList<RegionFacts> facts,
        IReadOnlyList<CarbonIntensity> carbon,
        IReadOnlyList<RegionLatency> latencies,
        IReadOnlyList<StepProfile> steps)
    {
        if (definition is null) throw new ArgumentNullException(nameof(definition));
        var id = definition.WorkflowId;
        var home = Normalize(definition.HomeRegion);
        if (home == Local || home.IndexOf(':') < 0)
        {
            throw new WorkflowException(WorkflowErrors.PlacementNeedsCloudHome,
                $"Workflow '{id}' has home_region '{definition.HomeRegion}': placement moves steps away from a cloud home. Set home_region to a cloud region (home_region: aws:us-east-1) in workflow.yml and publish it again.", id);
        }
        var factsBy = facts.GroupBy(f => Normalize(f.Region)).ToDictionary(g => g.Key, g => g.Last());
        var carbonBy = carbon.GroupBy(c => Normalize(c.Region)).ToDictionary(g => g.Key, g => g.ToList());
        var assumptions = new List<string>();
        var sources = new List<string>();

        // Candidates: allowed (or every region of the home's provider with facts and carbon) minus disallowed, home first.
        var disallowed = new HashSet<string>(definition.Regions.Disallowed.Select(Normalize));
        var provider = home.Substring(0, home.IndexOf(':') + 1);
        var allowed = definition.Regions.Allowed.Count > 0
            ? definition.Regions.Allowed.Select(Normalize)
            : factsBy.Keys.Where(r => r.StartsWith(provider, StringComparison.Ordinal) && carbonBy.ContainsKey(r)).OrderBy(r => r, StringComparer.Ordinal);
        var regions = new[] { home }.Concat(allowed.Where(r => !disallowed.Contains(r))).Distinct().ToList();

        var problemFacts = new Dictionary<string, RegionFacts>();
        var problemCarbon = new Dictionary<string, IReadOnlyList<double>>();
        foreach (var region in regions)
        {
            problemFacts[region] = factsBy.TryGetValue(region, out var fact) ? fact
                : throw Missing(id, $"Region '{region}' has no collected facts (PUE, prices)", $"Invoke-DataCollector provider -Region {region}");
            var hours = carbonBy.TryGetValue(region, out var list) ? list.GroupBy(c => c.Hour).ToDictionary(g => g.Key, g => g.Last()) : new Dictionary<int, CarbonIntensity>();
            var lacking = Enumerable.Range(0, 24).Where(h => !hours.ContainsKey(h)).ToList();
            if (lacking.Count > 0)
            {
                throw Missing(id, $"Region '{region}' has no collected carbon intensity for {(lacking.Count == 24 ? "any hour" : "hours " + string.Join(", ", lacking))}", $"Invoke-DataCollector carbon -Region {region}");
            }
            problemCarbon[region] = Enumerable.Range(0, 24).Select(h => hours[h].GramsPerKwh).ToList();
            sources.Add($"{region} facts: {fact.Source}; PUE: {fact.PueSource}; prices: {fact.PriceSource}");
            sources.AddRange(hours.Values.Select(c => $"{region} carbon: {HourOfSource.Replace(c.Source, "")}").Distinct());
            if (hours.Values.Any(c => c.Flat))
            {
                assumptions.Add($"assumed: carbon intensity in {region} is its annual value at every hour (no hourly data)");
            }
        }

        var latencyBy = latencies.GroupBy(l => PlacementProblem.LatencyKey(Normalize(l.From), Normalize(l.To))).ToDictionary(g => g.Key, g => g.Last());
        var problemLatencies = new Dictionary<string, RegionLatency>();
        foreach (var from in regions)
        {
            foreach (var to in regions)
            {
                var key = PlacementProblem.LatencyKey(from, to);
                problemLatencies[key] = latencyBy.TryGetValue(key, out var latency) ? latency
                    : throw Missing(id, $"There is no collected latency from '{from}' to '{to}'", $"Invoke-DataCollector performance -Region {string.Join(",", regions)}");
            }
        }
        sources.AddRange(problemLatencies.Values.Select(l => "latency: " + Regex.Replace(l.Source, "; distance [0-9]+ km$", "")).Distinct());

        var stepRegions = new Dictionary<string, IReadOnlyList<string>>();
        var profiles = new Dictionary<string, StepProfile>();
        var byStep = steps.Where(s => s.WorkflowId == id).GroupBy(s => s.Step).ToDictionary(g => g.Key, g => g.Last());
        foreach (var step in definition.Steps)
        {
            var pins = step.Regions.Select(Normalize).ToList();
            foreach (var pin in pins.Where(p => !regions.Contains(p)))
            {
                throw new WorkflowException(WorkflowErrors.PlacementPinOutsideRegions,
                    $"Step '{step.Name}' of '{id}' is pinned to '{pin}', which is not among the regions it may be placed in ({string.Join(", ", regions)}). Add it to regions.allowed, or change the pin.", step.Name);
            }
            stepRegions[step.Name] = pins.Count > 0 ? pins : regions;
            var profile = byStep.TryGetValue(step.Name, out var found) ? found
                : throw Missing(id, $"Step '{step.Name}' has no collected profile (runtimes, output sizes)", $"Invoke-DataCollector workflow -WorkflowId {id}");
            profiles[step.Name] = WithRuntimes(profile, home, stepRegions[step.Name], assumptions);
            sources.Add("steps: " + profile.Source);
        }
        return new PlacementProblem
        {
            Definition = definition,
            Home = home,
            Regions = regions,
            StepRegions = stepRegions,
            Facts = problemFacts,
            Carbon = problemCarbon,
            Latencies = problemLatencies,
            Steps = profiles,
            Assumptions = assumptions.Distinct().ToList(),
            Sources = sources.Distinct().ToList(),
        };
    }

    /// <summary>Runtimes for every region the step may go to: measured ones, else home's (Caribou's assumption), said so.</summary>
    private static StepProfile WithRuntimes(StepProfile profile, string home, IReadOnlyList<string> regions, List<string> assumptions)
    {
        var runtimes = profile.RuntimeSeconds.ToDictionary(p => Normalize(p.Key), p => p.Value);
        if (runtimes.TryGetValue(Local, out var local) && local.Count > 0 && (!runtimes.TryGetValue(home, out var atHome) || atHome.Count == 0))
        {
            runtimes[home] = local;
            assumptions.Add($"assumed: runtimes measured on this machine stand for {home}'s (home)");
        }
        runtimes.Remove(Local);
        if (!runtimes.TryGetValue(home, out var homeRuntimes) || homeRuntimes.Count == 0)
        {
            homeRuntimes = runtimes.Values.FirstOrDefault(v => v.Count > 0) ?? new[] { 0.0 };
            runtimes[home] = homeRuntimes;
            assumptions.Add(homeRuntimes.Count == 1 && homeRuntimes[0] == 0
                ? $"assumed: {profile.Step} takes 0 s (no run of it succeeded)"
                : $"assumed: {profile.Step} runs as long at home ({home}) as where it was measured");
        }
        var unmeasured = regions.Where(r => !runtimes.TryGetValue(r, out var samples) || samples.Count == 0).ToList();
        foreach (var region in unmeasured) runtimes[region] = homeRuntimes;
        if (unmeasured.Count > 0)
        {
            assumptions.Add($"assumed: {profile.Step} runs as long in {string.Join(", ", unmeasured)} as at home (Caribou's assumption)");
        }
        return profile with { RuntimeSeconds = runtimes };
    }

    private static string Normalize(string region) =>
        string.Equals(region.Trim(), Local, StringComparison.OrdinalIgnoreCase) ? Local : BundledData.Normalize(region);

    private static WorkflowException Missing(string workflowId, string what, string fix) =>
        new(WorkflowErrors.PlacementDataMissing, $"{what}, so '{workflowId}' cannot be placed. Run {fix} first.", workflowId);
}
