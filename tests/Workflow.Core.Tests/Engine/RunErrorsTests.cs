using System;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>What a runbook is told about a run that ended badly, or that it asks to change after its end.</summary>
public sealed class RunErrorsTests : IDisposable
{
    private static readonly DateTimeOffset Noon = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task Failed_run_is_WorkflowRunFailed_naming_the_run_the_step_its_error_and_the_log()
    {
        var engine = home.Open(new ScriptedExecutor().Fails("split", "the batch is empty"));
        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: split
                run: s.ps1
              - name: report
                needs: split
                run: s.ps1
            """);

        var error = RunErrors.Unsuccessful(run)!;

        Assert.Equal("WorkflowRunFailed", error.ErrorId);
        Assert.Equal(FailureKind.InvalidResult, error.Kind);
        Assert.Same(run, error.Target);
        Assert.StartsWith($"Run '{run.RunId}' of flow-1.0.0 failed at step 'split': the batch is empty.", error.Message);
        Assert.Contains($"Get-WorkflowLog -RunId {run.RunId} -Step split", error.Message);
    }

    [Fact]
    public void The_step_that_failed_first_is_the_one_named()
    {
        var run = Run(RunState.Failed, "Step 'b' failed: no disk",
            new StepRun { Step = "a", State = StepState.Failed, EndedAt = Noon.AddSeconds(5), Error = "late" },
            new StepRun { Step = "b", State = StepState.Failed, EndedAt = Noon, Error = "no disk" },
            new StepRun { Step = "c", State = StepState.Cancelled, EndedAt = Noon, Error = "A step it depends on failed." });

        Assert.Contains("failed at step 'b': no disk.", RunErrors.Unsuccessful(run)!.Message);
    }

    [Fact]
    public void Run_failed_by_the_engine_without_a_failed_step_gives_the_run_error()
    {
        var run = Run(RunState.Failed, "The engine failed: disk full");

        var error = RunErrors.Unsuccessful(run)!;

        Assert.Equal($"Run 'r1' of flow-1.0.0 failed: The engine failed: disk full. Read its log with Get-WorkflowLog -RunId r1.", error.Message);
    }

    [Fact]
    public void Cancelled_run_is_WorkflowRunCancelled_an_OperationStopped()
    {
        var error = RunErrors.Unsuccessful(Run(RunState.Cancelled, "Stopped by the user."))!;

        Assert.Equal("WorkflowRunCancelled", error.ErrorId);
        Assert.Equal(FailureKind.OperationStopped, error.Kind);
        Assert.StartsWith("Run 'r1' of flow-1.0.0 was cancelled: Stopped by the user.", error.Message);
        Assert.Contains("Start-WorkflowRun flow-1.0.0", error.Message);
    }

    [Theory]
    [InlineData(RunState.Succeeded)]
    [InlineData(RunState.Running)]
    [InlineData(RunState.Queued)]
    public void Succeeded_or_unfinished_run_is_no_error(RunState state)
    {
        Assert.Null(RunErrors.Unsuccessful(Run(state, null)));
    }

    [Fact]
    public void Stopping_a_finished_run_is_WorkflowRunAlreadyFinished_saying_when_it_ended()
    {
        var run = Run(RunState.Succeeded, null) with { EndedAt = Noon };

        var error = RunErrors.Finished(run, "stop");

        Assert.Equal("WorkflowRunAlreadyFinished", error.ErrorId);
        Assert.Equal(FailureKind.InvalidOperation, error.Kind);
        Assert.Same(run, error.Target);
        Assert.Equal("Run 'r1' already ended Succeeded at 2025-06-01 12:00:00Z; there is nothing to stop. Start a new run with Start-WorkflowRun flow-1.0.0.", error.Message);
    }

    private static WorkflowRun Run(RunState state, string? error, params StepRun[] steps) => new()
    {
        RunId = "r1",
        WorkflowId = "flow-1.0.0",
        State = state,
        Error = error,
        Steps = steps,
    };
}
