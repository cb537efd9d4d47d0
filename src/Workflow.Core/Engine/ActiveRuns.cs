using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace Workflow.Engine;

/// <summary>
/// The runs an engine carries on now, by id: the engine adds a run with its scheduler when it
/// launches it, workers find the run's context for the task they leased and report to it.
/// </summary>
internal sealed class ActiveRuns
{
    private readonly ConcurrentDictionary<string, ActiveRun> runs = new();

    public void Add(RunContext context, RunScheduler scheduler) => runs[context.RunId] = new ActiveRun(context, scheduler);

    public void Remove(string runId) => runs.TryRemove(runId, out _);

    public bool Contains(string runId) => runs.ContainsKey(runId);

    public ActiveRun? Find(string runId) => runs.TryGetValue(runId, out var run) ? run : null;

    public IReadOnlyList<string> Ids => runs.Keys.ToList();

    public IReadOnlyList<ActiveRun> All => runs.Values.ToList();
}

internal sealed record ActiveRun(RunContext Context, RunScheduler Scheduler);
