using System;
using System.Collections.Generic;
using Workflow.Model;

namespace Workflow.Store;

/// <summary>
/// Where workflows, runs, step runs, state history and logs are kept. Local: one SQLite file.
/// Every method is safe to call from several threads and from several processes sharing the store.
/// </summary>
public interface IRunStore : IDisposable
{
    /// <summary>The file or address of the store, for messages.</summary>
    string Location { get; }

    /// <summary>True when this process may only read the store: every write throws WorkflowStoreReadOnly.</summary>
    bool IsReadOnly { get; }

    void SaveWorkflow(WorkflowInfo workflow);
    WorkflowInfo? GetWorkflow(string workflowId);
    IReadOnlyList<WorkflowInfo> GetWorkflows();
    /// <summary>Removes the workflow and its runs; false if it was not there.</summary>
    bool RemoveWorkflow(string workflowId);

    /// <summary>Creates a run in state Queued with every step Pending, and their history entries.</summary>
    void CreateRun(WorkflowRun run, IReadOnlyList<string> steps);
    WorkflowRun? GetRun(string runId, bool includeSteps = true);
    IReadOnlyList<WorkflowRun> GetRuns(string? workflowId = null);

    /// <summary>Steps of a run with their outputs, for resuming and receiving.</summary>
    IReadOnlyList<StepRecord> GetStepRecords(string runId);
    /// <summary>Finished items of a foreach step, in item order.</summary>
    IReadOnlyList<ItemRecord> GetItemRecords(string runId, string step);

    /// <summary>Applies the changes in one transaction, appending a history entry for each state change.</summary>
    void Apply(IReadOnlyList<StoreChange> changes);

    IReadOnlyList<WorkflowLogRecord> GetLogs(string runId, string? step = null);
    IReadOnlyList<StateChange> GetHistory(string runId);

    /// <summary>
    /// Makes <paramref name="owner"/> the run's owner if its current owner is still
    /// <paramref name="expectedOwner"/> (compare-and-swap, so two sessions never both carry a run on).
    /// </summary>
    bool TryClaimRun(string runId, string? expectedOwner, string owner, DateTimeOffset now);
    /// <summary>Marks the owner's runs as alive.</summary>
    void Heartbeat(string owner, IReadOnlyCollection<string> runIds, DateTimeOffset now);

    /// <summary>Records (or replaces) a workflow's deployment to a cloud region; the record is the provider's JSON.</summary>
    void SaveDeployment(DeploymentRecord deployment);
    IReadOnlyList<DeploymentRecord> GetDeployments(string? workflowId = null);
    bool RemoveDeployment(string workflowId, string region);

    /// <summary>Records (or replaces) the workflow's applied placement (Move-WorkflowDeployment).</summary>
    void SavePlacement(WorkflowPlacement placement);
    WorkflowPlacement? GetPlacement(string workflowId);
    bool RemovePlacement(string workflowId);

    /// <summary>The remote objects of a run already copied in (see <see cref="RemoteObjectSynced"/>).</summary>
    IReadOnlyCollection<string> GetSyncedKeys(string runId);

    /// <summary>Saves collected records in one transaction; a record replaces the one of the same collector and key.</summary>
    void SaveCollected(IReadOnlyList<CollectedRecord> records);
    /// <summary>The records of a collector, by key; only those whose key starts with <paramref name="keyPrefix"/> when given.</summary>
    IReadOnlyList<CollectedRecord> GetCollected(DataCollector collector, string? keyPrefix = null);
}

/// <summary>
/// One figure Invoke-DataCollector gathered, as the store keeps it: the collector, the key it is
/// replaced by (a region, "region|hour", "from|to", "workflow|step") and the record as JSON.
/// </summary>
public sealed record CollectedRecord(DataCollector Collector, string Key, string RecordJson, DateTimeOffset CollectedAt);

/// <summary>A workflow deployed to a cloud region: the provider's record as JSON.</summary>
public sealed record DeploymentRecord(string WorkflowId, string Region, string RecordJson, DateTimeOffset PublishedAt);

/// <summary>A step of a run with what the engine needs to carry the run on.</summary>
public sealed record StepRecord(string Step, StepState State, int Attempt, int? ItemCount, string? OutputJson, string? Error);

/// <summary>A finished item of a foreach step.</summary>
public sealed record ItemRecord(int Item, StepState State, int Attempt, string? OutputJson, string? Error);

/// <summary>One change the engine writes before it acts on it.</summary>
public abstract record StoreChange(string RunId, DateTimeOffset Time);

public sealed record RunStateChange(string RunId, DateTimeOffset Time, RunState State, string? Error = null)
    : StoreChange(RunId, Time);

/// <summary>
/// The session carrying the run on ended normally (not a crash): it lets the run go, if it still
/// holds it, so any session may resume it at once; the history says why. States stay as they are,
/// as after a kill: finished steps keep their outputs, steps that were running run again.
/// </summary>
public sealed record RunInterrupted(string RunId, DateTimeOffset Time, string Owner, string Detail)
    : StoreChange(RunId, Time);

/// <summary>A step's state; OutputJson is set when it Succeeded, ItemCount when a foreach step starts, Region where it runs (when known).</summary>
public sealed record StepStateChange(
    string RunId, DateTimeOffset Time, string Step, StepState State,
    int Attempt = 0, int? ItemCount = null, string? OutputJson = null, string? Error = null, string? Region = null)
    : StoreChange(RunId, Time);

/// <summary>An attempt of a step (or of one foreach item) started: the history shows every attempt.</summary>
public sealed record AttemptStarted(string RunId, DateTimeOffset Time, string Step, int? Item, int Attempt)
    : StoreChange(RunId, Time);

/// <summary>A foreach item finished.</summary>
public sealed record ItemStateChange(
    string RunId, DateTimeOffset Time, string Step, int Item, StepState State,
    int Attempt, string? OutputJson = null, string? Error = null)
    : StoreChange(RunId, Time);

/// <summary>A remote run's object has been copied in; written with the changes it brought, in one transaction.</summary>
public sealed record RemoteObjectSynced(string RunId, DateTimeOffset Time, string Key) : StoreChange(RunId, Time);

public sealed record LogAppended(WorkflowLogRecord Record) : StoreChange(Record.RunId, Record.Time);
