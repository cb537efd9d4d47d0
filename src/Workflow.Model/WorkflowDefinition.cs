using System;
using System.Collections.Generic;

namespace Workflow.Model;

/// <summary>A parsed workflow.yml: what <c>Test-Workflow</c> checks and <c>Publish-Workflow</c> stores.</summary>
public sealed record WorkflowDefinition
{
    public string Name { get; init; } = "";
    public string Version { get; init; } = "";
    public string WorkflowId => $"{Name}-{Version}";
    public string? Description { get; init; }
    public string HomeRegion { get; init; } = "local";
    public RegionSpec Regions { get; init; } = new();
    public ConstraintSpec Constraints { get; init; } = new();
    public StepDefaults Defaults { get; init; } = new();
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Secrets { get; init; } = Array.Empty<string>();
    public string? Output { get; init; }
    public IReadOnlyList<StepDefinition> Steps { get; init; } = Array.Empty<StepDefinition>();

    /// <summary>The workflow.yml this was read from; empty for a definition built in code.</summary>
    public string SourceFile { get; init; } = "";

    public StepDefinition? FindStep(string name)
    {
        foreach (var step in Steps)
        {
            if (step.Name == name)
            {
                return step;
            }
        }
        return null;
    }
}

/// <summary>
/// How a step runs: a PowerShell script, a command, or a container image (which may carry a command,
/// or a script that runs under pwsh in the container).
/// </summary>
public enum StepKind
{
    Script,
    Command,
    Container,
}

public sealed record StepDefinition
{
    public string Name { get; init; } = "";
    public IReadOnlyList<string> Needs { get; init; } = Array.Empty<string>();
    public string? If { get; init; }
    public string? Foreach { get; init; }
    /// <summary>Path of a PowerShell script, relative to the workflow folder.</summary>
    public string? Run { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    /// <summary>A container image reference (name[:tag][@digest]): the step runs in a container of it.</summary>
    public string? Image { get; init; }
    /// <summary>How the container of an <see cref="Image"/> step runs; defaults for any other step.</summary>
    public ContainerSettings Container { get; init; } = ContainerSettings.Default;
    public IReadOnlyList<string> Regions { get; init; } = Array.Empty<string>();
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
    public int MemoryMb { get; init; } = 512;
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public SourcePosition Position { get; init; }

    public StepKind Kind => Image != null ? StepKind.Container : Command != null ? StepKind.Command : StepKind.Script;
}

/// <summary>Retry with exponential backoff and jitter, as Step Functions' Retry block.</summary>
public sealed record RetryPolicy
{
    public static readonly RetryPolicy Default = new();

    public int MaxAttempts { get; init; } = 1;
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
    public double BackoffRate { get; init; } = 2.0;
    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 or more), with full jitter on the upper half.</summary>
    public TimeSpan DelayBefore(int nextAttempt, Random random)
    {
        var ceiling = Interval.TotalMilliseconds * Math.Pow(BackoffRate, Math.Max(0, nextAttempt - 2));
        ceiling = Math.Min(ceiling, MaxInterval.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling / 2 + random.NextDouble() * ceiling / 2);
    }
}

public sealed record StepDefaults
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;
    public int MemoryMb { get; init; } = 512;
}

public sealed record RegionSpec
{
    public IReadOnlyList<string> Allowed { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Disallowed { get; init; } = Array.Empty<string>();
}

public sealed record Constraint(string Type, double Value);

public sealed record ConstraintSpec
{
    public IReadOnlyDictionary<string, Constraint> Hard { get; init; } = new Dictionary<string, Constraint>();
    public IReadOnlyDictionary<string, Constraint> Soft { get; init; } = new Dictionary<string, Constraint>();
    public IReadOnlyList<string> Priority { get; init; } = Array.Empty<string>();
}

/// <summary>A 1-based line and column in a source file; 0 where unknown.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}
