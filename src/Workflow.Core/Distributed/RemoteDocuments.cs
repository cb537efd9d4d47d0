using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Workflow.Model;

namespace Workflow.Distributed;

/// <summary>
/// Where a remote run keeps its state in the blob store, all under one prefix per run
/// (<c>runs/&lt;workflowId&gt;/&lt;runId&gt;/</c>). Every object but the logs is written once, with
/// a conditional put, so whoever writes first decides and a redelivered task finds the answer.
/// </summary>
public sealed class RemoteRunKeys
{
    public RemoteRunKeys(string workflowId, string runId)
    {
        Prefix = $"runs/{workflowId}/{runId}/";
        HaltNotice = HaltNoticesPrefix(workflowId) + runId + ".json";
    }

    /// <summary>
    /// Where the notices of a workflow's halted runs are: one LIST there tells a worker every run it
    /// must start no more steps of (see <see cref="HaltNotices"/>). Outside the runs' prefixes, so
    /// a run's own objects are only its own.
    /// </summary>
    public static string HaltNoticesPrefix(string workflowId) => $"halts/{workflowId}/";

    public string Prefix { get; }
    /// <summary>The run's definition: workflow, package hash, argument. Written by Start-WorkflowRun.</summary>
    public string Run => Prefix + "run.json";
    /// <summary>The run's end (state, time, error), written once every step is final.</summary>
    public string End => Prefix + "end.json";
    /// <summary>Present once the run must not start more steps: a step failed or the run was stopped.</summary>
    public string Halt => Prefix + "halt.json";
    /// <summary>Written after <see cref="Halt"/>, removed when the run ends: the halt as workers look for it.</summary>
    public string HaltNotice { get; }
    public string StepsPrefix => Prefix + "steps/";
    public string Step(string step) => StepsPrefix + step + ".json";
    public string ItemsPrefix(string step) => Prefix + "items/" + step + "/";
    public string Item(string step, int item) => ItemsPrefix(step) + item + ".json";
    public string ItemCount(string step) => Prefix + "foreach/" + step + ".json";
    /// <summary>The claim that lets exactly one finishing need start a step.</summary>
    public string Claim(string step) => Prefix + "claims/" + step;
    /// <summary>
    /// Which message runs a step or a foreach item, so that a second message of the same task does
    /// not. The suffix keeps the key from being a prefix of another (a delete removes a prefix).
    /// </summary>
    public string Taken(string step, int? item) => Prefix + "taken/" + step + (item is { } i ? "/" + i : "") + ".take";
    public string Output(string step, int? item) => Prefix + "outputs/" + step + (item is { } i ? "/" + i : "") + ".json";
    public string LogsPrefix => Prefix + "logs/";
    public string Log(string step, int? item, int attempt) =>
        LogsPrefix + step + "/" + (item?.ToString() ?? "-") + "/" + attempt + "-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".json";
}

/// <summary>
/// run.json: what a worker needs to carry the run on. <paramref name="Region"/> holds the run's state;
/// <paramref name="Placement"/> names the steps that run elsewhere (step → region), from the
/// workflow's placement for the hour the run started; absent, every step runs in Region.
/// </summary>
public sealed record RemoteRunDocument(string RunId, string WorkflowId, string ContentHash, string ArgumentJson, DateTimeOffset CreatedAt, string Region,
    IReadOnlyDictionary<string, string>? Placement = null);

/// <summary>A step's (or a foreach item's) final result.</summary>
public sealed record RemoteStepResult(
    string Step,
    int? Item,
    StepState State,
    int Attempt,
    DateTimeOffset? StartedAt,
    DateTimeOffset EndedAt,
    string? Output,
    string? Error,
    string? Worker,
    string? Region = null);

/// <summary>halt.json: why no more steps start.</summary>
public sealed record RemoteRunHalt(RunState State, DateTimeOffset Time, string Reason);

/// <summary>end.json: the run's final state.</summary>
public sealed record RemoteRunEnd(RunState State, DateTimeOffset EndedAt, string? Error);

/// <summary>One task's log object: its attempts' starts and log records.</summary>
public sealed record RemoteLogBatch(IReadOnlyList<int> AttemptsStarted, IReadOnlyList<DateTimeOffset> StartTimes, IReadOnlyList<WorkflowLogRecord> Records);

internal static class RemoteJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static byte[] Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T Read<T>(byte[] bytes, string key)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options)
                ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new WorkflowException(WorkflowErrors.RemoteStateCorrupt,
                $"The run state object '{key}' is not valid ({e.Message}); it was changed outside the module. Start the run again.", key);
        }
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>The document under <paramref name="key"/>, or null when there is none.</summary>
    public static async System.Threading.Tasks.Task<T?> ReadAsync<T>(Blobs.IBlobStore blobs, string key, System.Threading.CancellationToken cancellationToken) where T : class
    {
        var bytes = await blobs.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return bytes == null ? null : Read<T>(bytes, key);
    }
}
