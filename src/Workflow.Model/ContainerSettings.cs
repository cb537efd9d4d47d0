using System;
using System.Collections.Generic;

namespace Workflow.Model;

/// <summary>When a container step's image is pulled from its registry (the names Kubernetes uses).</summary>
public enum PullPolicy
{
    /// <summary>Pull only when the Docker engine does not have the image (the default).</summary>
    IfNotPresent,
    /// <summary>Pull before every attempt, so a moved tag is followed.</summary>
    Always,
    /// <summary>Never pull: the image must be on the engine already.</summary>
    Never,
}

/// <summary>Which pwsh runs a <c>run:</c> script in a container step.</summary>
public enum ContainerPwsh
{
    /// <summary>The image's own pwsh when it has one on its PATH, else the host's (the default).</summary>
    Auto,
    /// <summary>The image's own pwsh; the step fails if the image has none.</summary>
    Image,
    /// <summary>The host's pwsh and .NET, mounted read-only into the container.</summary>
    Host,
}

/// <summary>
/// The settings of a container step (<c>image:</c>) other than the image itself, its command and
/// memory_mb: what Argo's container template and GitHub Actions' container jobs call the same.
/// </summary>
public sealed record ContainerSettings
{
    public static readonly ContainerSettings Default = new();

    /// <summary>The limit on processes and threads a step's container may have, unless pids_limit says.</summary>
    public const int DefaultPidsLimit = 1024;

    /// <summary>Arguments: the image's CMD is replaced by these (after <c>command</c>, or the image's entrypoint).</summary>
    public IReadOnlyList<string> Args { get; init; } = Array.Empty<string>();

    /// <summary>The working directory inside the container; null: the image's (a run: script's: its package folder).</summary>
    public string? WorkingDir { get; init; }

    /// <summary>CPUs the container may use (Docker's --cpus); null: no limit.</summary>
    public double? Cpus { get; init; }

    public int PidsLimit { get; init; } = DefaultPidsLimit;

    /// <summary>none (the default: loopback only), host, bridge, or the name of a Docker network.</summary>
    public string Network { get; init; } = "none";

    public PullPolicy Pull { get; init; } = PullPolicy.IfNotPresent;

    public ContainerPwsh Pwsh { get; init; } = ContainerPwsh.Auto;
}
