using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>
/// A temp workflow home and workflow folders for one test. Engines opened through it are disposed
/// with it, then the folder is deleted.
/// </summary>
internal sealed class EngineHome : IDisposable
{
    /// <summary>What most tests use: a few workers, and no carrying on of other sessions' runs.</summary>
    public static readonly EngineOptions Options = new() { Parallelism = 4, ResumeInterrupted = false };

    // Long enough for a slow machine, short enough that a hung run fails the test instead of the job.
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);
    private static readonly Regex ScriptPath = new(@"run:\s*(\S+\.ps1)", RegexOptions.CultureInvariant);
    private readonly List<WorkflowEngine> engines = new();

    public EngineHome()
    {
        Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wf-engine-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Home => System.IO.Path.Combine(Root, "home");

    /// <summary>Where command steps' WORKFLOW_INPUT/OUTPUT files go: empty whenever no attempt runs.</summary>
    public string Scratch => System.IO.Path.Combine(Root, "scratch");

    public WorkflowEngine Open(params IStepExecutor[] executors) => Open(Options, executors);

    public WorkflowEngine Open(EngineOptions options, params IStepExecutor[] executors)
    {
        var engine = WorkflowEngine.Open(EnginePorts.ForHome(Home, executors.Append(new CommandExecutor(Scratch)).ToList()), options);
        engines.Add(engine);
        return engine;
    }

    /// <summary>An engine composed elsewhere, disposed with the home.</summary>
    public void Track(WorkflowEngine engine) => engines.Add(engine);

    /// <summary>Writes a workflow folder (workflow.yml plus an empty file for every run: script) and returns it.</summary>
    public string WriteWorkflow(string yaml)
    {
        var folder = System.IO.Path.Combine(Root, "flows", Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(folder);
        File.WriteAllText(System.IO.Path.Combine(folder, "workflow.yml"), yaml);
        foreach (Match match in ScriptPath.Matches(yaml))
        {
            var script = System.IO.Path.Combine(folder, match.Groups[1].Value);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(script)!);
            File.WriteAllText(script, "");
        }
        return folder;
    }

    /// <summary>Publishes the workflow and returns its id.</summary>
    public async Task<string> PublishAsync(WorkflowEngine engine, string yaml) =>
        (await engine.Catalog.PublishAsync(WriteWorkflow(yaml), force: false)).WorkflowId;

    /// <summary>Publishes, starts and waits for a run; fails the test if it does not end in time.</summary>
    public async Task<WorkflowRun> RunAsync(WorkflowEngine engine, string yaml, string argumentJson = "null")
    {
        var workflowId = await PublishAsync(engine, yaml);
        var run = engine.StartRun(workflowId, argumentJson);
        return await WaitAsync(engine, run.RunId);
    }

    public static async Task<WorkflowRun> WaitAsync(WorkflowEngine engine, string runId)
    {
        using var timeout = new CancellationTokenSource(RunTimeout);
        return await engine.WaitAsync(runId, timeout.Token);
    }

    public void Dispose()
    {
        foreach (var engine in engines)
        {
            engine.Dispose();
        }
        // Pooled connections keep the store file open; release them before deleting.
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}

/// <summary>Short ways to read a run.</summary>
internal static class RunExtensions
{
    public static StepRun Step(this WorkflowRun run, string name) => run.Steps.Single(s => s.Step == name);

    public static StepState StateOf(this WorkflowRun run, string name) => run.Step(name).State;
}
