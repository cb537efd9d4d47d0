namespace Workflow.Model;

/// <summary>What one Sync-WorkflowLog call brought in.</summary>
public sealed record SyncSummary
{
    public string WorkflowId { get; init; } = "";
    public string Region { get; init; } = "";
    /// <summary>Runs in the bucket for the workflow.</summary>
    public int Runs { get; init; }
    /// <summary>Runs that had something new.</summary>
    public int RunsUpdated { get; init; }
    /// <summary>Remote objects fetched (only those not fetched before).</summary>
    public int ObjectsFetched { get; init; }
    public int StateChanges { get; init; }
    public int LogRecords { get; init; }
}
