using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Model;
using Workflow.Store;

namespace Workflow.Distributed;

/// <summary>
/// Copies remote runs' state and logs into the local store, so Get-WorkflowRun, Get-WorkflowLog and
/// the run history read them like local runs. Incremental: each object is fetched once, and marked
/// as fetched in the same transaction as the changes it brought.
/// </summary>
public sealed class RemoteRunSync
{
    private readonly IBlobStore blobs;
    private readonly IRunStore store;
    private readonly PackageCache packages;
    private readonly Engine.OutputStorage outputs;

    public RemoteRunSync(IBlobStore blobs, IRunStore store, PackageCache packages)
    {
        this.blobs = blobs;
        this.store = store;
        this.packages = packages;
        outputs = new Engine.OutputStorage(blobs, int.MaxValue);
    }

    public async Task<SyncSummary> SyncAsync(string workflowId, string region, IEnumerable<string>? runIds = null, CancellationToken cancellationToken = default)
    {
        var prefix = $"runs/{workflowId}/";
        var byRun = (await blobs.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            .GroupBy(k => k.Substring(prefix.Length).Split('/')[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        if (runIds != null)
        {
            var wanted = new HashSet<string>(runIds, StringComparer.Ordinal);
            byRun = byRun.Where(p => wanted.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        }
        int updated = 0, fetched = 0, changes = 0, logs = 0;
        foreach (var (runId, keys) in byRun.Select(p => (p.Key, p.Value)))
        {
            var result = await SyncRunAsync(workflowId, region, runId, keys, cancellationToken).ConfigureAwait(false);
            if (result.Fetched > 0) updated++;
            fetched += result.Fetched;
            changes += result.Changes;
            logs += result.Logs;
        }
        return new SyncSummary
        {
            WorkflowId = workflowId,
            Region = region,
            Runs = byRun.Count,
            RunsUpdated = updated,
            ObjectsFetched = fetched,
            StateChanges = changes,
            LogRecords = logs,
        };
    }

    private async Task<(int Fetched, int Changes, int Logs)> SyncRunAsync(string workflowId, string region, string runId, List<string> keys, CancellationToken cancellationToken)
    {
        var runKeys = new RemoteRunKeys(workflowId, runId);
        if (!keys.Contains(runKeys.Run)) return (0, 0, 0);
        var local = store.GetRun(runId, includeSteps: false);
        var synced = local == null ? new HashSet<string>() : store.GetSyncedKeys(runId);
        // Claims, counts and outputs are the workers' bookkeeping; outputs arrive with their step's result.
        var fresh = keys.Where(k => !synced.Contains(k) && Wanted(runKeys, k)).ToList();
        if (fresh.Count == 0) return (0, 0, 0);

        var document = RemoteJson.Read<RemoteRunDocument>((await blobs.GetAsync(runKeys.Run, cancellationToken).ConfigureAwait(false))!, runKeys.Run);
        if (local == null)
        {
            var workflow = await packages.LoadAsync(workflowId, document.ContentHash, cancellationToken).ConfigureAwait(false);
            store.CreateRun(new WorkflowRun
            {
                RunId = runId,
                WorkflowId = workflowId,
                State = RunState.Queued,
                ArgumentJson = document.ArgumentJson,
                CreatedAt = document.CreatedAt,
                Owner = region,
            }, workflow.Definition.Steps.Select(s => s.Name).ToList());
        }
        var timed = new List<StoreChange>();
        var marks = new List<StoreChange>();
        var logCount = 0;
        foreach (var key in fresh)
        {
            var bytes = await blobs.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (bytes == null) continue;
            marks.Add(new RemoteObjectSynced(runId, DateTimeOffset.UtcNow, key));
            if (key == runKeys.Run)
            {
                timed.Add(new RunStateChange(runId, document.CreatedAt, RunState.Running));
            }
            else if (key == runKeys.End)
            {
                var end = RemoteJson.Read<RemoteRunEnd>(bytes, key);
                timed.Add(new RunStateChange(runId, end.EndedAt, end.State, end.Error));
            }
            else if (key.StartsWith(runKeys.StepsPrefix, StringComparison.Ordinal))
            {
                var step = RemoteJson.Read<RemoteStepResult>(bytes, key);
                if (step.StartedAt is { } started)
                {
                    timed.Add(new StepStateChange(runId, started, step.Step, StepState.Running, step.Attempt, Region: step.Region));
                }
                timed.Add(new StepStateChange(runId, step.EndedAt, step.Step, step.State, step.Attempt, OutputJson: await LocalAsync(step.Output).ConfigureAwait(false), Error: step.Error, Region: step.Region));
            }
            else if (key.StartsWith(runKeys.Prefix + "items/", StringComparison.Ordinal))
            {
                var item = RemoteJson.Read<RemoteStepResult>(bytes, key);
                timed.Add(new ItemStateChange(runId, item.EndedAt, item.Step, item.Item ?? 0, item.State, item.Attempt, await LocalAsync(item.Output).ConfigureAwait(false), item.Error));
            }
            else if (key.StartsWith(runKeys.LogsPrefix, StringComparison.Ordinal))
            {
                var batch = RemoteJson.Read<RemoteLogBatch>(bytes, key);
                var step = key.Substring(runKeys.LogsPrefix.Length).Split('/');
                int? item = step[1] == "-" ? null : int.Parse(step[1], System.Globalization.CultureInfo.InvariantCulture);
                for (var i = 0; i < batch.AttemptsStarted.Count && i < batch.StartTimes.Count; i++)
                {
                    timed.Add(new AttemptStarted(runId, batch.StartTimes[i], step[0], item, batch.AttemptsStarted[i]));
                }
                foreach (var record in batch.Records) timed.Add(new LogAppended(record));
                logCount += batch.Records.Count;
            }
        }
        // In time order, so the history reads as it happened; a run's end after everything else.
        var ordered = timed
            .OrderBy(c => c is RunStateChange { State: var s } && s.IsFinal() ? 1 : 0)
            .ThenBy(c => c.Time)
            .Concat(marks)
            .ToList();
        store.Apply(ordered);
        return (marks.Count, timed.Count(c => c is not LogAppended), logCount);
    }

    /// <summary>An output as the local store keeps it: one held in S3 by reference is fetched, so Receive-WorkflowRun needs no S3.</summary>
    private async Task<string?> LocalAsync(string? stored) =>
        stored == null ? null : await outputs.ResolveAsync(stored).ConfigureAwait(false);

    private static bool Wanted(RemoteRunKeys run, string key) =>
        key == run.Run || key == run.End
        || key.StartsWith(run.StepsPrefix, StringComparison.Ordinal)
        || key.StartsWith(run.Prefix + "items/", StringComparison.Ordinal)
        || key.StartsWith(run.LogsPrefix, StringComparison.Ordinal);
}
