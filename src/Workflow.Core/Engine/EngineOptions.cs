using System;

namespace Workflow.Engine;

/// <summary>Tuning of the local engine.</summary>
public sealed record EngineOptions
{
    /// <summary>Attempts that run at once in this session (worker threads).</summary>
    public int Parallelism { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Outputs larger than this (bytes, UTF-8) go to the blob store by reference.</summary>
    public int InlineOutputLimit { get; init; } = 256 * 1024;

    /// <summary>Whether opening the engine carries on runs that an ended session left unfinished.</summary>
    public bool ResumeInterrupted { get; init; } = true;

    /// <summary>How often a session marks its runs alive; a run silent for 6 beats is taken as interrupted.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(5);
}
