using System;
using System.Collections.Generic;
using System.IO;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.PowerShell.Executors;
using Workflow.Store;

namespace Workflow.PowerShell;

/// <summary>
/// The engine of each workflow home this process has used ($env:WORKFLOW_HOME picks the home).
/// Engines live as long as the module: runs started in a session go on after the cmdlet returns.
/// </summary>
internal static class ModuleState
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, (WorkflowEngine Engine, PowerShellExecutor Scripts)> Engines = new(StringComparer.Ordinal);

    public static WorkflowEngine Engine
    {
        get
        {
            var home = Path.GetFullPath(WorkflowHome.Resolve());
            lock (Gate)
            {
                if (Engines.TryGetValue(home, out var open)) return open.Engine;
                var options = new EngineOptions();
                var scripts = new PowerShellExecutor(options.Parallelism);
                var engine = WorkflowEngine.Open(home, new IStepExecutor[] { scripts, new CommandExecutor() }, options);
                Engines[home] = (engine, scripts);
                return engine;
            }
        }
    }

    public static void CloseAll()
    {
        lock (Gate)
        {
            foreach (var open in Engines.Values)
            {
                open.Engine.Dispose();
                open.Scripts.Dispose();
            }
            Engines.Clear();
        }
    }
}
