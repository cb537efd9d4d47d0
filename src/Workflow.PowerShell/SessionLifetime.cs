using System;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Threading;

namespace Workflow.PowerShell;

/// <summary>
/// Closes the module's engines when the session ends normally, while their PowerShell lanes still
/// run. pwsh ending (a script's end, `exit`) closes its primary runspace, and closing it disposes
/// every other local runspace of the process, the lanes among them, before ProcessExit is raised;
/// the module's OnRemove is not called at all. So the engines close as that runspace starts to
/// close; ProcessExit covers hosts without one (a hosted engine, Environment.Exit).
/// </summary>
internal static class SessionLifetime
{
    private static int watching;

    /// <summary>Once per process, at the module's first import.</summary>
    public static void Watch()
    {
        if (Interlocked.Exchange(ref watching, 1) == 1) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => End();
        if (PrimaryRunspace() is { } primary) primary.StateChanged += OnStateChanged;
    }

    private static void OnStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (e.RunspaceStateInfo.State == RunspaceState.Closing) End();
    }

    private static void End()
    {
        try
        {
            ModuleState.EndSession();
        }
        catch (Exception)
        {
            // Exiting: an engine that cannot close cleanly leaves its runs as a crash would, resumable.
        }
    }

    /// <summary>
    /// The runspace whose closing takes the others with it. PowerShell 7 names it only internally
    /// (Runspace.PrimaryRunspace; null in a hosted engine, which never closes the others); where the
    /// property is missing, the runspace importing the module stands in.
    /// </summary>
    private static Runspace? PrimaryRunspace()
    {
        var property = typeof(Runspace).GetProperty("PrimaryRunspace", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
        return property == null ? Runspace.DefaultRunspace : property.GetValue(null) as Runspace;
    }
}
