using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Executors;

/// <summary>
/// Runs a command step as a child process: the input document on stdin and in WORKFLOW_INPUT, the
/// output as JSON on stdout or in WORKFLOW_OUTPUT, stderr as the log, non-zero exit as failure.
/// </summary>
public sealed class CommandExecutor : IStepExecutor
{
    private readonly string scratchRoot;

    /// <param name="scratchRoot">
    /// Where each attempt gets a folder of its own for its WORKFLOW_INPUT and WORKFLOW_OUTPUT files,
    /// deleted when the attempt ends however it ends; default: the system temp folder.
    /// </param>
    public CommandExecutor(string? scratchRoot = null) => this.scratchRoot = scratchRoot ?? Path.GetTempPath();

    public StepKind Kind => StepKind.Command;

    public async Task<string> ExecuteAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        var command = invocation.Step.Command ?? throw new ArgumentException("The step has no command.", nameof(invocation));
        Directory.CreateDirectory(invocation.ArtifactsDirectory);
        var scratch = Path.Combine(scratchRoot, "wf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            var inputFile = Path.Combine(scratch, "input.json");
            var outputFile = Path.Combine(scratch, "output.json");
            File.WriteAllText(inputFile, invocation.InputJson);

            using var process = new Process { StartInfo = StartInfo(command, invocation, inputFile, outputFile) };
            var stdout = new StringBuilder();
            process.OutputDataReceived += (_, e) => { if (e.Data != null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
            var lastErrors = new Queue<string>();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data == null) return;
                invocation.Log.Write("stderr", e.Data);
                lock (lastErrors)
                {
                    lastErrors.Enqueue(e.Data);
                    if (lastErrors.Count > 5) lastErrors.Dequeue();
                }
            };
            try
            {
                process.Start();
            }
            catch (Exception e)
            {
                throw new StepFailedException(WorkflowErrors.StepCommandNotStarted,
                    $"'{command[0]}' could not be started: {e.Message}. Check the command exists on this machine's PATH.", e);
            }
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await WriteInputAsync(process, invocation.InputJson).ConfigureAwait(false);

            using (cancellationToken.Register(() => Kill(process)))
            {
                await WaitForExitAsync(process).ConfigureAwait(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (process.ExitCode != 0)
            {
                string tail;
                lock (lastErrors) { tail = string.Join(" | ", lastErrors); }
                throw new StepFailedException(WorkflowErrors.StepCommandFailed,
                    $"'{command[0]}' exited with code {process.ExitCode}." + (tail.Length > 0 ? $" stderr: {tail}" : ""));
            }
            var text = File.Exists(outputFile) && new FileInfo(outputFile).Length > 0
                ? File.ReadAllText(outputFile)
                : stdout.ToString();
            return StepOutput.Normalize(text);
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> command, StepInvocation invocation, string inputFile, string outputFile)
    {
        var info = new ProcessStartInfo
        {
            FileName = command[0],
            Arguments = JoinArguments(command),
            WorkingDirectory = invocation.PackageDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var pair in invocation.Environment)
        {
            info.Environment[pair.Key] = pair.Value;
        }
        info.Environment["WORKFLOW_INPUT"] = inputFile;
        info.Environment["WORKFLOW_OUTPUT"] = outputFile;
        info.Environment["WORKFLOW_ARTIFACTS"] = invocation.ArtifactsDirectory;
        return info;
    }

    // netstandard2.0 has no ArgumentList: quote each argument the way the runtime splits them again.
    private static string JoinArguments(IReadOnlyList<string> command)
    {
        var builder = new StringBuilder();
        for (var i = 1; i < command.Count; i++)
        {
            if (i > 1) builder.Append(' ');
            builder.Append('"');
            foreach (var c in command[i])
            {
                if (c == '"' || c == '\\') builder.Append('\\');
                builder.Append(c);
            }
            builder.Append('"');
        }
        return builder.ToString();
    }

    private static async Task WriteInputAsync(Process process, string input)
    {
        try
        {
            await process.StandardInput.WriteAsync(input).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command need not read its stdin; a closed pipe is not a failure.
        }
    }

    private static Task WaitForExitAsync(Process process)
    {
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => done.TrySetResult(true);
        if (process.HasExited) done.TrySetResult(true);
        // Exited can fire before the last stdout lines are read; WaitForExit() drains them.
        return done.Task.ContinueWith(_ => process.WaitForExit(), TaskScheduler.Default);
    }

    private static void Kill(Process process)
    {
        try
        {
            // Kill(entireProcessTree: true) exists from .NET Core 3.0; netstandard2.0 only sees Kill().
            var killTree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });
            if (killTree != null) killTree.Invoke(process, new object[] { true });
            else process.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is System.Reflection.TargetInvocationException)
        {
            // Already gone.
        }
    }
}

/// <summary>Checks and normalises what a step printed as its output.</summary>
public static class StepOutput
{
    /// <summary>The output's JSON text, trimmed ("null" for none); output that is not JSON is StepOutputNotJson.</summary>
    public static string Normalize(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) return "null";
        try
        {
            using var document = JsonDocument.Parse(trimmed);
            return trimmed;
        }
        catch (JsonException)
        {
            var head = trimmed.Length > 200 ? trimmed.Substring(0, 200) + "…" : trimmed;
            throw new StepFailedException(WorkflowErrors.StepOutputNotJson,
                $"The step's output is not JSON: '{head}'. Print one JSON document on stdout (or into $WORKFLOW_OUTPUT) and send logs to stderr.");
        }
    }
}
