using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Placement;

/// <summary>
/// The workflow collector: what a workflow's finished runs (local, and remote ones synced in) say
/// of each step: runtime per attempt that succeeded (per item for foreach), output size, how often a
/// conditional step runs, fan-out widths, and its memory from the definition.
/// </summary>
internal static class WorkflowCollector
{
    public static CollectionResult Collect(IRunStore store, WorkflowDefinition definition, DateTimeOffset now, IProgress<CollectionProgress>? progress)
    {
        var workflowId = definition.WorkflowId;
        var runs = store.GetRuns(workflowId).Where(r => r.State.IsFinal()).ToList();
        if (runs.Count == 0)
        {
            throw new WorkflowException(WorkflowErrors.PlacementNoRunHistory,
                $"Workflow '{workflowId}' has no finished runs to learn its steps from. Run it a few times first (Start-WorkflowRun {workflowId} -Wait), then Invoke-DataCollector workflow -WorkflowId {workflowId}.", workflowId);
        }
        var samples = definition.Steps.ToDictionary(s => s.Name, _ => new StepSamples());
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            progress?.Report(new CollectionProgress("workflow", run.RunId, i, runs.Count));
            var records = store.GetStepRecords(run.RunId).ToDictionary(r => r.Step);
            var runtimes = AttemptRuntimes(store.GetHistory(run.RunId));
            foreach (var step in definition.Steps)
            {
                if (!records.TryGetValue(step.Name, out var record)) continue;
                var sample = samples[step.Name];
                var ran = record.State is StepState.Succeeded or StepState.Failed;
                // Reached: its needs let it be decided on its own `if` (a step skipped because every
                // need was skipped was never reached, and says nothing of its condition).
                var reached = step.Needs.Count == 0 || step.Needs.Any(n => records.TryGetValue(n, out var need) && need.State == StepState.Succeeded);
                if (ran) sample.Ran++;
                else if (record.State == StepState.Skipped && reached) sample.Skipped++;
                if (record.State != StepState.Succeeded) continue;
                // Where it ran: "local" (this machine's sessions) or the region whose worker ran it.
                var stepRun = run.Steps.FirstOrDefault(s => s.Step == step.Name);
                var region = stepRun?.Region ?? Format.PlacementReader.LocalRegion;
                if (!sample.Runtimes.TryGetValue(region, out var inRegion)) sample.Runtimes[region] = inRegion = new List<double>();
                if (runtimes.TryGetValue(step.Name, out var measured) && measured.Count > 0) inRegion.AddRange(measured);
                else if (stepRun is { StartedAt: { } started, EndedAt: { } ended })
                {
                    inRegion.Add((ended - started).TotalSeconds); // no attempt history (a synced run): the step's span
                }
                if (record.OutputJson != null) sample.OutputBytes.Add(OutputBytes(record.OutputJson));
                if (step.Foreach != null && record.ItemCount is { } width) sample.Widths.Add(width);
            }
        }
        var profiles = definition.Steps.Select(step =>
        {
            var sample = samples[step.Name];
            return new StepProfile
            {
                WorkflowId = workflowId,
                Step = step.Name,
                RuntimeSeconds = sample.Runtimes.Where(r => r.Value.Count > 0).ToDictionary(r => r.Key, r => (IReadOnlyList<double>)r.Value),
                OutputBytes = sample.OutputBytes.ToList(),
                RunProbability = step.If == null || sample.Ran + sample.Skipped == 0 ? 1 : (double)sample.Ran / (sample.Ran + sample.Skipped),
                FanOutWidths = sample.Widths.ToList(),
                MemoryMb = step.MemoryMb,
                Runs = runs.Count,
                Source = BundledData.Invariant($"run history of {workflowId} in {store.Location}: {runs.Count} finished runs, runtimes by where they ran ({string.Join(", ", sample.Runtimes.Where(r => r.Value.Count > 0).Select(r => $"{r.Key}: {r.Value.Count}"))})"),
                CollectedAt = now,
            };
        }).ToList();
        return new CollectionResult { Steps = profiles };
    }

    /// <summary>
    /// Seconds from an attempt's start to its success, per step (one per item for foreach), from the
    /// state history: retries' waits and failed attempts do not count.
    /// </summary>
    private static Dictionary<string, List<double>> AttemptRuntimes(IReadOnlyList<StateChange> history)
    {
        var started = new Dictionary<(string, int?), DateTimeOffset>();
        var runtimes = new Dictionary<string, List<double>>();
        foreach (var change in history.OrderBy(h => h.Time))
        {
            if (change.Step == null) continue;
            var key = (change.Step, change.Item);
            if (change.State == "AttemptStarted") started[key] = change.Time;
            else if (change.State == nameof(StepState.Succeeded) && started.TryGetValue(key, out var start))
            {
                if (!runtimes.TryGetValue(change.Step, out var list)) runtimes[change.Step] = list = new List<double>();
                list.Add((change.Time - start).TotalSeconds);
            }
        }
        return runtimes;
    }

    /// <summary>The output's size in bytes: of the JSON itself, or as its blob reference records it.</summary>
    private static double OutputBytes(string json)
    {
        if (json.StartsWith("{\"$blob\":", StringComparison.Ordinal))
        {
            using var reference = JsonDocument.Parse(json);
            if (reference.RootElement.TryGetProperty("bytes", out var bytes) && bytes.TryGetInt64(out var n)) return n;
        }
        return Encoding.UTF8.GetByteCount(json);
    }

    private sealed class StepSamples
    {
        /// <summary>Region ("local" for this machine) → seconds.</summary>
        public Dictionary<string, List<double>> Runtimes { get; } = new(StringComparer.Ordinal);
        public List<double> OutputBytes { get; } = new();
        public List<int> Widths { get; } = new();
        public int Ran { get; set; }
        public int Skipped { get; set; }
    }
}
