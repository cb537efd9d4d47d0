using System;
using System.Collections.Generic;
using System.Threading;
using Workflow.Executors;
using Workflow.Model;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>What an attempt needs from the run it belongs to, wherever the run is carried on.</summary>
internal interface IAttemptHost
{
    PublishedWorkflow Workflow { get; }
    /// <summary>Cancelled when the run stops or another step fails.</summary>
    CancellationToken Cancellation { get; }
    /// <summary>The workflow's secrets as this process sees them: redacted from logs and errors, refused in outputs.</summary>
    RunSecrets Secrets { get; }
    /// <summary>Keeps an attempt's start or log record (local: the store writer; remote: the run's log object).</summary>
    void Record(StoreChange change);
}

/// <summary>
/// Runs one task's attempts with the step's timeout and retry policy: the one attempt loop that
/// local workers and remote (SQS) workers share.
/// </summary>
internal sealed class AttemptRunner
{
    private readonly IReadOnlyDictionary<StepKind, IStepExecutor> executors;
    private readonly Func<string, string> folderOf;
    private readonly Random random = new();

    /// <param name="folderOf">
    /// The local folder for a key such as runs/&lt;run&gt;/artifacts/&lt;step&gt;[/&lt;item&gt;], where
    /// a task's artifacts go: in the local blob store, or under a remote worker's work folder.
    /// </param>
    public AttemptRunner(IReadOnlyDictionary<StepKind, IStepExecutor> executors, Func<string, string> folderOf)
    {
        this.executors = executors;
        this.folderOf = folderOf;
    }

    /// <param name="shutdown">
    /// The engine or worker is closing: an attempt it cuts short is interrupted (not failed, not
    /// cancelled), and the step runs again wherever the run is carried on next.
    /// </param>
    public TaskOutcome Run(IAttemptHost run, StepTask task, CancellationToken shutdown)
    {
        var step = run.Workflow.Definition.FindStep(task.Step)!;
        var attempt = task.FirstAttempt;
        var maxAttempt = Math.Max(step.Retry.MaxAttempts, attempt);
        var artifacts = folderOf($"runs/{task.RunId}/artifacts/{task.Step}" + (task.Item is { } i ? $"/{i}" : ""));
        // Stopped: the run was stopped, a sibling failed, or the engine is closing. One token for all
        // three, so attempts and the wait between them both end at once.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation, shutdown);
        var stopped = stopping.Token;
        while (true)
        {
            if (stopped.IsCancellationRequested)
            {
                return Stopped(run, task, attempt, shutdown);
            }
            if (attempt > task.FirstAttempt)
            {
                // The first attempt's start was written with the dispatch; retries are recorded here.
                run.Record(new AttemptStarted(task.RunId, DateTimeOffset.UtcNow, task.Step, task.Item, attempt));
            }
            var log = new RunLog(run, task, attempt, Published(run));
            try
            {
                // Whatever the executor, output that is not JSON, or that holds a secret's value, fails
                // the attempt (and may be retried): the output is the step's contract with the steps
                // after it, so it is not dropped silently, and a secret's value is never stored.
                var output = StepOutput.Normalize(RunAttempt(run, step, task, attempt, artifacts, log, stopped));
                if (run.Secrets.FoundIn(output) is { } secret) throw run.Secrets.OutputHolds(secret);
                return new TaskOutcome(task.Step, task.Item, attempt, true, false, output, null);
            }
            catch (Exception e) when (stopped.IsCancellationRequested && (e is OperationCanceledException || shutdown.IsCancellationRequested))
            {
                // While the host closes, an executor may fail in any way (a runspace closed under its
                // pipeline): that is the shutdown's doing, not the step's.
                return Stopped(run, task, attempt, shutdown);
            }
            catch (Exception e)
            {
                var message = e is OperationCanceledException
                    ? $"timed out after {Format.Duration.Format(step.Timeout)}"
                    : Published(run).ToUserPaths(e.Message);
                log.Write("Error", $"Attempt {attempt} failed: {message}");
                if (attempt >= maxAttempt)
                {
                    return new TaskOutcome(task.Step, task.Item, attempt, false, false, null, run.Secrets.Redact(message));
                }
            }
            if (stopped.WaitHandle.WaitOne(step.Retry.DelayBefore(attempt + 1, random)))
            {
                return Stopped(run, task, attempt, shutdown);
            }
            attempt++;
        }
    }

    /// <summary>
    /// A stop of the run (or a failed sibling) cancels the step, even if the engine closes meanwhile:
    /// the user asked for it. Only a shutdown alone interrupts it.
    /// </summary>
    private static TaskOutcome Stopped(IAttemptHost run, StepTask task, int attempt, CancellationToken shutdown)
    {
        var cancelled = run.Cancellation.IsCancellationRequested;
        return new TaskOutcome(task.Step, task.Item, attempt, false, cancelled, null, null, Interrupted: !cancelled && shutdown.IsCancellationRequested);
    }

    private string RunAttempt(IAttemptHost run, StepDefinition step, StepTask task, int attempt, string artifacts, IStepLog log, CancellationToken stopped)
    {
        if (!executors.TryGetValue(step.Kind, out var executor))
        {
            throw new StepFailedException(WorkflowErrors.StepKindNotSupported,
                $"It is a {step.Kind} step, and this engine was composed without an executor for that kind. Run it where one is (the module's engine and Start-WorkflowWorker run container steps on Docker), or use a 'run:' script or a 'command:' step.");
        }
        var context = new StepContext(task.RunId, task.WorkflowId, task.Step, task.Item, attempt, task.Region, artifacts);
        var invocation = new StepInvocation
        {
            Step = step,
            PackageDirectory = run.Workflow.PackageDirectory,
            Input = new StepInput(task.SharedInput, task.ItemJson, context),
            Environment = StepEnvironment(run.Workflow.Definition, step, log),
            ArtifactsDirectory = artifacts,
            Log = log,
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopped);
        timeout.CancelAfter(step.Timeout);
        return executor.ExecuteAsync(invocation, timeout.Token).GetAwaiter().GetResult();
    }

    private static IReadOnlyDictionary<string, string> StepEnvironment(WorkflowDefinition workflow, StepDefinition step, IStepLog log)
    {
        var environment = new Dictionary<string, string>();
        foreach (var pair in workflow.Environment) environment[pair.Key] = pair.Value;
        foreach (var pair in step.Environment) environment[pair.Key] = pair.Value;
        foreach (var name in workflow.Secrets)
        {
            // Secrets come from the environment of the session that runs the step, every time: never stored.
            var value = Environment.GetEnvironmentVariable(name);
            if (value == null) log.Write("Warning", $"Secret '{name}' is not set in this session's environment; the step runs without it.");
            else environment[name] = value;
        }
        return environment;
    }

    private static PackagePaths Published(IAttemptHost run) => new(run.Workflow.PackageDirectory);

    /// <summary>A step attempt's log: user paths, redacted, then posted to the store without waiting.</summary>
    private sealed class RunLog : IStepLog
    {
        private readonly IAttemptHost run;
        private readonly StepTask task;
        private readonly int attempt;
        private readonly PackagePaths package;

        public RunLog(IAttemptHost run, StepTask task, int attempt, PackagePaths package)
        {
            this.run = run;
            this.task = task;
            this.attempt = attempt;
            this.package = package;
        }

        public void Write(string stream, string message) =>
            run.Record(new LogAppended(new WorkflowLogRecord
            {
                Time = DateTimeOffset.UtcNow,
                RunId = task.RunId,
                Step = task.Step,
                Item = task.Item,
                Attempt = attempt,
                Stream = stream,
                Message = run.Secrets.Redact(package.ToUserPaths(message)),
            }));
    }
}
