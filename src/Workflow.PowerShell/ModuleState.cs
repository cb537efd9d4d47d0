using System;
using System.Collections.Generic;
using System.IO;
using Workflow.Aws;
using Workflow.Docker;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;
using Workflow.PowerShell.Executors;
using Workflow.Store;

namespace Workflow.PowerShell;

/// <summary>
/// The engine of each workflow home this process has used ($env:WORKFLOW_HOME picks the home).
/// Engines live as long as the module and the session: runs started in a session go on after the
/// cmdlet returns, and are interrupted (not failed) when the module is removed or the session ends.
/// </summary>
internal static class ModuleState
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, (WorkflowEngine Engine, PowerShellExecutor Scripts, ContainerExecutor Containers)> Engines = new(StringComparer.Ordinal);
    private static bool ended;

    public static WorkflowEngine Engine
    {
        get
        {
            var home = Path.GetFullPath(WorkflowHome.Resolve());
            lock (Gate)
            {
                if (Engines.TryGetValue(home, out var open)) return open.Engine;
                if (ended)
                {
                    // An engine opened now would resume the runs just let go, in a process about to end.
                    throw new WorkflowException(WorkflowErrors.WorkflowSessionEnded,
                        "This PowerShell session is ending; its workflow runs were interrupted and the next session resumes them.");
                }
                var options = new EngineOptions();
                var scripts = new PowerShellExecutor(options.Parallelism);
                var containers = Containers();
                var engine = Compose(home, scripts, containers, options);
                Engines[home] = (engine, scripts, containers);
                return engine;
            }
        }
    }

    /// <summary>
    /// The container executor of this session: Docker at DOCKER_HOST (read when a container step
    /// starts; nothing connects before), and this pwsh ($PSHOME) to mount for run: scripts in images without one.
    /// </summary>
    public static ContainerExecutor Containers() =>
        new(new ContainerExecutorOptions { PwshHome = Path.GetDirectoryName(typeof(System.Management.Automation.PSObject).Assembly.Location) });

    /// <summary>The serverless runtime this process serves (Start-WorkflowWorker -LambdaRuntime): Lambda's Runtime API at $env:AWS_LAMBDA_RUNTIME_API.</summary>
    public static Workflow.Distributed.IFunctionRuntime FunctionRuntime() => Workflow.Aws.Lambda.LambdaRuntimeClient.FromEnvironment();

    /// <summary>
    /// The module's composition root: the engine of a workflow home is its SQLite store, its blob
    /// folder, an in-process queue, the PowerShell, command and container executors, and AWS as its regions.
    /// </summary>
    private static WorkflowEngine Compose(string home, PowerShellExecutor scripts, ContainerExecutor containers, EngineOptions options)
    {
        var ports = EnginePorts.ForHome(home, new IStepExecutor[] { scripts, new CommandExecutor(), containers }) with { Regions = AwsRegionProvider.Instance };
        try
        {
            return WorkflowEngine.Open(ports, options);
        }
        catch
        {
            ports.Store.Dispose();
            throw;
        }
    }

    /// <summary>The session ends (pwsh exits): the engines close and no new one opens.</summary>
    public static void EndSession()
    {
        lock (Gate)
        {
            ended = true;
            CloseAll();
        }
    }

    /// <summary>The module is removed: the engines close; a later import opens them again, resuming their runs.</summary>
    public static void CloseAll()
    {
        lock (Gate)
        {
            foreach (var open in Engines.Values)
            {
                open.Engine.Dispose();
                open.Scripts.Dispose();
                open.Containers.Dispose();
            }
            Engines.Clear();
        }
    }
}
