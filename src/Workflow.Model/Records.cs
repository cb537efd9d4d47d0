using System;
using System.Collections.Generic;

namespace Workflow.Model;

/// <summary>A published workflow, as <c>Get-Workflow</c> lists it.</summary>
public sealed record WorkflowInfo
{
    public string WorkflowId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    public string? Description { get; init; }
    public string HomeRegion { get; init; } = "local";
    /// <summary>Where it is published: local, then the cloud regions it is deployed to ("local, aws:us-east-1").</summary>
    public string Regions { get; init; } = "local";
    public int StepCount { get; init; }
    /// <summary>SHA-256 of the published folder's files; the same content publishes to the same hash.</summary>
    public string ContentHash { get; init; } = "";
    public DateTimeOffset PublishedAt { get; init; }
    /// <summary>The folder it was published from.</summary>
    public string SourcePath { get; init; } = "";
    /// <summary>The workflow.yml text as published.</summary>
    public string DefinitionText { get; init; } = "";
    /// <summary>The placement applied with Move-WorkflowDeployment (where each step runs, per hour), or null: every step at home.</summary>
    public WorkflowPlacement? Placement { get; init; }
    /// <summary>The cloud regions it is deployed to, each with what runs its tasks there (Compute).</summary>
    public IReadOnlyList<WorkflowDeployment> Deployments { get; init; } = Array.Empty<WorkflowDeployment>();
}

/// <summary>One run of a workflow, as the run cmdlets emit it.</summary>
public sealed record WorkflowRun
{
    public string RunId { get; init; } = "";
    public string WorkflowId { get; init; } = "";
    public RunState State { get; init; }
    public string ArgumentJson { get; init; } = "null";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? Error { get; init; }
    /// <summary>The session carrying the run on (host:pid:id); null once it is final.</summary>
    public string? Owner { get; init; }
    public DateTimeOffset? HeartbeatAt { get; init; }
    public IReadOnlyList<StepRun> Steps { get; init; } = Array.Empty<StepRun>();

    public TimeSpan? Duration => StartedAt is { } s ? (EndedAt ?? DateTimeOffset.UtcNow) - s : null;

    /// <summary>"9392dbbbf464 image-pipeline-1.0.0 Succeeded": how a run reads inside a string or another object's list.</summary>
    public override string ToString() => $"{RunId} {WorkflowId} {State}";
}

/// <summary>One step of a run: its state, attempts and timing.</summary>
public sealed record StepRun
{
    public string RunId { get; init; } = "";
    public string Step { get; init; } = "";
    public StepState State { get; init; }
    public int Attempt { get; init; }
    /// <summary>For a foreach step, the number of items; otherwise null.</summary>
    public int? ItemCount { get; init; }
    /// <summary>Where it ran: "local" (a session of this store) or the region whose worker ran it; null before it starts.</summary>
    public string? Region { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? Error { get; init; }

    /// <summary>"resize=Succeeded": how a step reads in a run's list view and inside strings.</summary>
    public override string ToString() => $"{Step}={State}";
}

/// <summary>One line of a step's log.</summary>
public sealed record WorkflowLogRecord
{
    public DateTimeOffset Time { get; init; }
    public string RunId { get; init; } = "";
    public string Step { get; init; } = "";
    public int? Item { get; init; }
    public int Attempt { get; init; }
    /// <summary>Output, Error, Warning, Verbose, Information, Debug, or stderr.</summary>
    public string Stream { get; init; } = "";
    public string Message { get; init; } = "";
}

/// <summary>An entry of a run's append-only state history; Step is null for the run itself.</summary>
public sealed record StateChange
{
    public DateTimeOffset Time { get; init; }
    public string RunId { get; init; } = "";
    public string? Step { get; init; }
    public int? Item { get; init; }
    public string State { get; init; } = "";
    public string? Detail { get; init; }
}

/// <summary>What a worker did, emitted when it stops.</summary>
public sealed record WorkerInfo
{
    public string WorkerId { get; init; } = "";
    public string Region { get; init; } = "";
    public int Concurrency { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset StoppedAt { get; init; }
    /// <summary>Tasks whose step ran here (whatever its state).</summary>
    public int TasksRun { get; init; }
    public int Succeeded { get; init; }
    public int Failed { get; init; }
    /// <summary>Redelivered tasks whose result already existed: not run again.</summary>
    public int AlreadyDone { get; init; }
    public int Cancelled { get; init; }
    public int DeadLettered { get; init; }
    /// <summary>Queue or bucket calls that failed and were retried.</summary>
    public int BackendErrors { get; init; }
    public string StopReason { get; init; } = "";
}
