using System;
using System.Diagnostics;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>
/// Who carries a run on: "host:pid:nonce". A run whose owner is a dead process on this host, or
/// whose heartbeat is old, is interrupted and may be claimed by another session.
/// </summary>
public static class RunOwner
{
    public static string NewId() =>
        $"{Environment.MachineName}:{Process.GetCurrentProcess().Id}:{Guid.NewGuid().ToString("N").Substring(0, 8)}";

    internal static bool IsInterrupted(WorkflowRun run, TimeSpan heartbeat, DateTimeOffset now)
    {
        if (run.State.IsFinal()) return false;
        if (run.Owner == null) return true;
        // A run carried on by a cloud region's workers: this session never takes it over.
        if (IsRemote(run.Owner)) return false;
        var parts = run.Owner.Split(':');
        if (parts.Length == 3 && parts[0] == Environment.MachineName && int.TryParse(parts[1], out var pid) && !IsAlive(pid))
        {
            return true;
        }
        var last = run.HeartbeatAt ?? run.CreatedAt;
        return now - last > TimeSpan.FromTicks(heartbeat.Ticks * 6);
    }

    /// <summary>Is the owner a region (aws:us-east-1) rather than a session (host:pid:nonce)?</summary>
    public static bool IsRemote(string? owner) =>
        owner != null && owner != Format.PlacementReader.LocalRegion && Format.PlacementReader.IsValidRegion(owner);

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
