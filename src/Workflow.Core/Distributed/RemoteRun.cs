using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.Distributed;

/// <summary>
/// One remote run as a worker sees it: its definition, and its state objects in the bucket, read
/// and written here. Results and halts never change once written, so what is read once is kept.
/// </summary>
internal sealed class RemoteRun
{
    private readonly Dictionary<string, List<StepDefinition>> dependents = new();
    private readonly ConcurrentDictionary<string, RemoteStepResult> results = new();
    private readonly IBlobStore blobs;
    private readonly string worker;
    private readonly HaltNotices notices;
    /// <summary>A run created here cannot have been halted before anyone else knows of it: no look until then.</summary>
    private readonly DateTime unseenUntil;
    private RemoteRunHalt? halt;

    /// <param name="created">The run was just created by this worker (its first steps are being sent).</param>
    public RemoteRun(RemoteRunDocument document, PublishedWorkflow workflow, IBlobStore blobs, string worker, HaltNotices notices, bool created = false)
    {
        Document = document;
        Workflow = workflow;
        this.blobs = blobs;
        this.worker = worker;
        this.notices = notices;
        if (created) unseenUntil = DateTime.UtcNow.AddSeconds(1);
        Keys = new RemoteRunKeys(document.WorkflowId, document.RunId);
        Input = JsonNode.Parse(document.ArgumentJson);
        foreach (var step in workflow.Definition.Steps)
        {
            dependents[step.Name] = new List<StepDefinition>();
        }
        foreach (var step in workflow.Definition.Steps)
        {
            foreach (var need in step.Needs) dependents[need].Add(step);
        }
    }

    public RemoteRunDocument Document { get; }
    public PublishedWorkflow Workflow { get; }
    public RemoteRunKeys Keys { get; }
    public JsonNode? Input { get; }

    public IReadOnlyList<StepDefinition> Dependents(string step) => dependents[step];

    /// <summary>The region whose workers run the step: its placement for this run, else the run's region.</summary>
    public string RegionOf(string step) =>
        Document.Placement != null && Document.Placement.TryGetValue(step, out var region) ? region : Document.Region;

    /// <summary>Whether this worker has read the step's result already (no request needed).</summary>
    public bool Knows(string step) => results.ContainsKey(step);

    /// <summary>Every step the step needs, directly or through other needs.</summary>
    public IReadOnlyCollection<string> Ancestors(string step) =>
        StepGraph.Upstream(step, name => Workflow.Definition.FindStep(name)!.Needs);

    /// <summary>A step's result, or null while it has none.</summary>
    public async Task<RemoteStepResult?> ResultAsync(string step, CancellationToken cancellationToken)
    {
        if (results.TryGetValue(step, out var cached)) return cached;
        var result = await RemoteJson.ReadAsync<RemoteStepResult>(blobs, Keys.Step(step), cancellationToken).ConfigureAwait(false);
        if (result != null) results[step] = result;
        return result;
    }

    /// <summary>Writes the step's result unless one is there; either way, the result that stands. <paramref name="ranIn"/>: where it ran, if it did.</summary>
    public async Task<RemoteStepResult> WriteStepAsync(string step, StepState state, int attempt, DateTimeOffset? started, string? output, string? error, CancellationToken cancellationToken, string? ranIn = null)
    {
        var result = new RemoteStepResult(step, null, state, attempt, started, DateTimeOffset.UtcNow, output, error, worker, ranIn);
        var key = Keys.Step(step);
        if (!await blobs.PutIfAbsentAsync(key, RemoteJson.Bytes(result), cancellationToken).ConfigureAwait(false))
        {
            result = await RemoteJson.ReadAsync<RemoteStepResult>(blobs, key, cancellationToken).ConfigureAwait(false) ?? result;
        }
        results[step] = result;
        return result;
    }

    /// <summary>
    /// Why the run starts no more steps, or null. Its absence is learnt from the workflow's halt
    /// notices, up to a second old; <paramref name="fresh"/> reads the run's halt now.
    /// </summary>
    public async Task<RemoteRunHalt?> HaltAsync(CancellationToken cancellationToken, bool fresh = false)
    {
        if (halt != null) return halt;
        if (!fresh && (DateTime.UtcNow < unseenUntil || !await notices.HasAsync(Keys, cancellationToken).ConfigureAwait(false))) return null;
        return halt ??= await RemoteJson.ReadAsync<RemoteRunHalt>(blobs, Keys.Halt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True for the one holder of <paramref name="key"/>: the first to write it, or the same holder
    /// again when <paramref name="mayHoldAlready"/> (a redelivery whose earlier delivery died after
    /// writing it). Claims and takes are both this.
    /// </summary>
    public async Task<bool> HoldAsync(string key, string holder, bool mayHoldAlready, CancellationToken cancellationToken)
    {
        if (await blobs.PutIfAbsentAsync(key, Encoding.UTF8.GetBytes(holder), cancellationToken).ConfigureAwait(false)) return true;
        if (!mayHoldAlready) return false;
        var current = await blobs.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return current != null && Encoding.UTF8.GetString(current) == holder;
    }
}
