using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.PowerShell.Executors;

/// <summary>
/// Runs PowerShell script steps on a pool of runspaces, each with one reused PowerShell instance:
/// ~10x cheaper per step than a fresh pipeline from a RunspacePool. The script gets the input document
/// as its first argument ($Context); what it writes to the pipeline is its output; its error,
/// warning, verbose, information and debug streams are the step's log.
/// </summary>
public sealed class PowerShellExecutor : IStepExecutor, IDisposable
{
    private readonly ConcurrentBag<Lane> idle = new();
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentBag<Lane> all = new();

    public PowerShellExecutor(int size)
    {
        slots = new SemaphoreSlim(size, size);
    }

    public StepKind Kind => StepKind.Script;

    public Task<string> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        slots.Wait(cancellationToken);
        var lane = idle.TryTake(out var free) ? free : NewLane();
        if (!lane.IsOpen)
        {
            // Its runspace was closed by someone else (the host closing its runspaces): a fresh lane.
            lane.Dispose();
            lane = NewLane();
        }
        try
        {
            return Task.FromResult(lane.Run(invocation, cancellationToken));
        }
        finally
        {
            idle.Add(lane);
            slots.Release();
        }
    }

    private Lane NewLane()
    {
        var lane = new Lane();
        all.Add(lane);
        return lane;
    }

    public void Dispose()
    {
        foreach (var lane in all) lane.Dispose();
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Workflow.Engine.SharedInput, PSObject> SharedObjects = new();

    /// <summary>One runspace and the PowerShell instance reused on it.</summary>
    private sealed class Lane : IDisposable
    {
        private readonly Runspace runspace;
        private readonly System.Management.Automation.PowerShell shell;
        private readonly System.Collections.Generic.Dictionary<string, CommandInfo?> scripts = new();

        public Lane()
        {
            // CreateDefault2: the overloads without a session state load the Microsoft.PowerShell.Host
            // snap-in, which a hosted engine or runbook host may lack.
            runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            // The worker thread runs the pipeline itself; the default starts a new thread per Invoke.
            runspace.ThreadOptions = PSThreadOptions.UseCurrentThread;
            runspace.Open();
            shell = System.Management.Automation.PowerShell.Create();
            shell.Runspace = runspace;
            shell.AddScript(StepShims.Script).Invoke();
            shell.Commands.Clear();
        }

        public bool IsOpen => runspace.RunspaceStateInfo.State == RunspaceState.Opened;

        public string Run(StepInvocation invocation, CancellationToken cancellationToken)
        {
            shell.Commands.Clear();
            shell.Streams.ClearStreams();
            var path = System.IO.Path.Combine(invocation.PackageDirectory, invocation.Step.Run!);
            var command = Script(path, invocation.Step.Run!);
            // A script with a param block binds $Context through its cached command; one without gets
            // it in $args, which only the command-by-path form passes on.
            (command != null ? shell.AddCommand(command) : shell.AddCommand(path)).AddArgument(ContextObject(invocation));
            Collection<PSObject> results;
            using (cancellationToken.Register(() => shell.BeginStop(null, null)))
            {
                try
                {
                    results = shell.Invoke();
                }
                catch (Exception e) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("The step was stopped.", e, cancellationToken);
                }
                catch (RuntimeException e)
                {
                    WriteLog(invocation.Log);
                    throw new StepFailedException(WorkflowErrors.StepScriptFailed, Threw(invocation, e), e);
                }
                finally
                {
                    shell.Commands.Clear();
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            WriteLog(invocation.Log);
            if (shell.InvocationStateInfo.State == PSInvocationState.Stopped)
            {
                // Stopped by something other than the engine (its runspace closed): what it wrote so
                // far is not the step's output.
                throw new StepFailedException(WorkflowErrors.StepScriptStopped,
                    "The step was stopped before it finished: its runspace was closed from outside the workflow engine.");
            }
            var truncated = new List<(string Path, string Type)>();
            var output = PSJson.ToJson(results, truncated);
            if (PSJson.TruncationWarning("the output", truncated, "Write a hashtable or [pscustomobject] of the values the next steps need.") is { } warning)
            {
                invocation.Log.Write("Warning", "Output: " + warning);
            }
            return output;
        }

        /// <summary>
        /// "The script steps/split.ps1 threw: ... (at steps/split.ps1:3:1)": the user's paths, not the
        /// package copy's, and one line (the run's error adds the step's name).
        /// </summary>
        private static string Threw(StepInvocation invocation, RuntimeException e)
        {
            var package = new Workflow.Engine.PackagePaths(invocation.PackageDirectory);
            var at = e.ErrorRecord?.InvocationInfo is { ScriptName.Length: > 0 } where
                ? $" (at {package.ToUserPath(where.ScriptName)}:{where.ScriptLineNumber}:{where.OffsetInLine})"
                : "";
            // -ErrorAction Stop wraps the error in "The running command stopped because ...": give the error itself.
            var message = e is ActionPreferenceStopException && e.ErrorRecord?.Exception is { } inner ? inner.Message : e.Message;
            return $"The script {invocation.Step.Run} threw: {package.ToUserPaths(message)}{at}";
        }

        /// <summary>
        /// The script's command, looked up once per lane: packages are content-addressed, so a path's
        /// script never changes, and resolving it on every call costs more than running a small step.
        /// </summary>
        private CommandInfo? Script(string path, string run)
        {
            if (!scripts.TryGetValue(path, out var command))
            {
                ScriptBlock block;
                ExternalScriptInfo script;
                try
                {
                    script = runspace.SessionStateProxy.InvokeCommand.GetCommand(path, CommandTypes.ExternalScript) as ExternalScriptInfo
                        ?? throw new StepFailedException(WorkflowErrors.StepScriptMissing, $"The script '{run}' is missing from the published package. Publish the workflow again.");
                    block = script.ScriptBlock;
                }
                catch (ParseException e)
                {
                    var first = PowerShellScriptChecker.Errors(e.Errors).FirstOrDefault();
                    throw new StepFailedException(WorkflowErrors.StepScriptSyntaxError,
                        $"The script {run} does not parse: {first?.Message ?? e.Message}" + (first == null ? "" : $" (at {run}:{first.Line}:{first.Column})") + " Fix it (Test-Workflow shows every error) and publish again.", e);
                }
                var declared = (block.Ast as System.Management.Automation.Language.ScriptBlockAst)?.ParamBlock?.Parameters.Count ?? 0;
                command = declared > 0 ? script : null;
                scripts[path] = command;
            }
            return command;
        }

        /// <summary>$Context: the input document as objects, plus 'env', the step's environment and secrets.</summary>
        private static object ContextObject(StepInvocation invocation)
        {
            // Every item of a foreach step shares one input-and-steps text: convert it once, share the objects.
            var shared = SharedObjects.GetValue(invocation.Input.Shared, input => (PSObject)PSJson.FromJson(input.Json)!);
            var context = new PSObject();
            foreach (var property in shared.Properties) context.Properties.Add(new PSNoteProperty(property.Name, property.Value));
            if (invocation.Input.ItemJson != null) context.Properties.Add(new PSNoteProperty("item", PSJson.FromJson(invocation.Input.ItemJson)));
            var contextInfo = new PSObject();
            foreach (var field in invocation.Input.Context.Fields()) contextInfo.Properties.Add(new PSNoteProperty(field.Key, field.Value));
            context.Properties.Add(new PSNoteProperty("context", contextInfo));
            var environment = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in invocation.Environment) environment[pair.Key] = pair.Value;
            context.Properties.Add(new PSNoteProperty("env", environment));
            return context;
        }

        private void WriteLog(IStepLog log)
        {
            foreach (var record in shell.Streams.Error) log.Write("Error", record.ToString());
            foreach (var record in shell.Streams.Warning) log.Write("Warning", record.Message);
            foreach (var record in shell.Streams.Verbose) log.Write("Verbose", record.Message);
            foreach (var record in shell.Streams.Information) log.Write("Information", record.MessageData?.ToString() ?? "");
            foreach (var record in shell.Streams.Debug) log.Write("Debug", record.Message);
        }

        public void Dispose()
        {
            shell.Dispose();
            runspace.Dispose();
        }
    }
}
