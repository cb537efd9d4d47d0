using System;
using System.Linq;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Tests.Format;

public sealed class WorkflowReaderTests : IDisposable
{
    // The example of DESIGN §3.
    internal const string DesignExample = """
        name: my-flow                  # [a-z][a-z0-9-]{0,39}
        version: 1.0.0                 # workflow id = my-flow-1.0.0
        description: Resize images and report
        home_region: local             # provider:region, e.g. aws:us-east-1; 'local' = this machine
        regions:
          allowed: [aws:us-east-1, aws:us-west-2, aws:ca-central-1]
          disallowed: []
        constraints:                   # as Caribou: absolute, or relative to home in percent
          hard: { runtime: { type: relative, value: 120 } }
          soft: { cost: { type: relative, value: 105 } }
          priority: [carbon, runtime, cost]
        defaults:
          timeout: 5m
          retry: { max_attempts: 3, interval: 2s, backoff_rate: 2.0, max_interval: 1m }
          memory_mb: 512
        environment: { LOG_LEVEL: info }
        secrets: [API_TOKEN]           # read from the caller's environment, never logged or stored
        output: steps.report.output    # what Receive-WorkflowRun returns (default: outputs of the last steps)
        steps:
          - name: split
            run: steps/split.ps1                      # PowerShell script step
          - name: resize
            needs: [split]
            foreach: steps.split.output.images        # fan-out: one attempt per item
            run: steps/resize.ps1
            regions: [aws:us-east-1]                  # pin (compliance): the solver may not move it
          - name: notify
            needs: [split]
            if: steps.split.output.count > 10         # false => Skipped
            command: [sh, -c, 'cat > /dev/null; echo "{\"sent\": true}"']
          - name: report
            needs: [resize, notify]                   # fan-in
            image: busybox:1                          # container step
            command: [sh, /app/report.sh]
        """;

    private readonly TempWorkflowFolder folder = new();

    public WorkflowReaderTests()
    {
        folder.Write("workflow.yml", DesignExample);
        folder.Write("steps/split.ps1", "param($Context)");
        folder.Write("steps/resize.ps1", "param($Context)");
    }

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Design_example_reads_with_every_value_and_no_diagnostics()
    {
        var result = WorkflowReader.Load(folder.Path);

        Assert.Empty(result.Diagnostics);
        var workflow = result.EnsureValid();
        Assert.Equal("my-flow", workflow.Name);
        Assert.Equal("1.0.0", workflow.Version);
        Assert.Equal("my-flow-1.0.0", workflow.WorkflowId);
        Assert.Equal("Resize images and report", workflow.Description);
        Assert.Equal("local", workflow.HomeRegion);
        Assert.Equal(new[] { "aws:us-east-1", "aws:us-west-2", "aws:ca-central-1" }, workflow.Regions.Allowed);
        Assert.Empty(workflow.Regions.Disallowed);
        Assert.Equal(new Constraint("relative", 120), workflow.Constraints.Hard["runtime"]);
        Assert.Equal(new Constraint("relative", 105), workflow.Constraints.Soft["cost"]);
        Assert.Equal(new[] { "carbon", "runtime", "cost" }, workflow.Constraints.Priority);
        Assert.Equal(TimeSpan.FromMinutes(5), workflow.Defaults.Timeout);
        Assert.Equal(new RetryPolicy { MaxAttempts = 3, Interval = TimeSpan.FromSeconds(2), BackoffRate = 2.0, MaxInterval = TimeSpan.FromMinutes(1) }, workflow.Defaults.Retry);
        Assert.Equal(512, workflow.Defaults.MemoryMb);
        Assert.Equal("info", workflow.Environment["LOG_LEVEL"]);
        Assert.Equal(new[] { "API_TOKEN" }, workflow.Secrets);
        Assert.Equal("steps.report.output", workflow.Output);
        Assert.Equal(folder.WorkflowFile, workflow.SourceFile);
        Assert.Equal(new[] { "split", "resize", "notify", "report" }, workflow.Steps.Select(s => s.Name));
    }

    [Fact]
    public void Design_example_steps_carry_needs_actions_pins_and_defaults()
    {
        var workflow = WorkflowReader.Load(folder.Path).EnsureValid();

        var split = workflow.FindStep("split")!;
        Assert.Equal(StepKind.Script, split.Kind);
        Assert.Equal("steps/split.ps1", split.Run);
        Assert.Empty(split.Needs);
        Assert.Equal(new SourcePosition(20, 5), split.Position);

        var resize = workflow.FindStep("resize")!;
        Assert.Equal(new[] { "split" }, resize.Needs);
        Assert.Equal("steps.split.output.images", resize.Foreach);
        Assert.Equal(new[] { "aws:us-east-1" }, resize.Regions);
        Assert.Equal(TimeSpan.FromMinutes(5), resize.Timeout);
        Assert.Equal(workflow.Defaults.Retry, resize.Retry);
        Assert.Equal(512, resize.MemoryMb);

        var notify = workflow.FindStep("notify")!;
        Assert.Equal(StepKind.Command, notify.Kind);
        Assert.Equal("steps.split.output.count > 10", notify.If);
        Assert.Equal(new[] { "sh", "-c", "cat > /dev/null; echo \"{\\\"sent\\\": true}\"" }, notify.Command);

        var report = workflow.FindStep("report")!;
        Assert.Equal(StepKind.Container, report.Kind);
        Assert.Equal("busybox:1", report.Image);
        Assert.Equal(new[] { "sh", "/app/report.sh" }, report.Command);
        Assert.Equal(new[] { "resize", "notify" }, report.Needs);
    }

    [Fact]
    public void Load_accepts_the_folder_or_the_workflow_file()
    {
        var fromFolder = WorkflowReader.Load(folder.Path).EnsureValid();
        var fromFile = WorkflowReader.Load(folder.WorkflowFile).EnsureValid();

        Assert.Equal(fromFolder.WorkflowId, fromFile.WorkflowId);
        Assert.Equal(fromFolder.SourceFile, fromFile.SourceFile);
    }

    [Fact]
    public void Parse_without_a_project_directory_skips_the_script_check()
    {
        var result = WorkflowReader.Parse(DesignExample, "workflow.yml", projectDirectory: null);

        Assert.Empty(result.Diagnostics);
        Assert.Equal("workflow.yml", result.Definition!.SourceFile);
    }

    [Fact]
    public void Single_string_command_runs_through_sh_and_single_need_is_a_list()
    {
        var workflow = WorkflowReader.Parse("""
            name: demo
            version: 1.0.0
            steps:
              - name: a
                command: echo hi
              - name: b
                needs: a
                command: [echo, b]
            """, "workflow.yml", null).EnsureValid();

        Assert.Equal(new[] { "sh", "-c", "echo hi" }, workflow.Steps[0].Command);
        Assert.Equal(new[] { "a" }, workflow.Steps[1].Needs);
    }

    [Fact]
    public void Step_settings_override_defaults_field_by_field()
    {
        var workflow = WorkflowReader.Parse("""
            name: demo
            version: 1.0.0
            defaults:
              timeout: 90
              retry: { max_attempts: 3, interval: 2s }
              memory_mb: 1024
            steps:
              - name: a
                command: [echo]
                timeout: 1h30m
                retry: { max_attempts: 5 }
                memory_mb: 256
                environment: { MODE: fast }
              - name: b
                command: [echo]
            """, "workflow.yml", null).EnsureValid();

        var a = workflow.Steps[0];
        Assert.Equal(TimeSpan.FromMinutes(90), a.Timeout);
        Assert.Equal(5, a.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), a.Retry.Interval);
        Assert.Equal(256, a.MemoryMb);
        Assert.Equal("fast", a.Environment["MODE"]);

        var b = workflow.Steps[1];
        Assert.Equal(TimeSpan.FromSeconds(90), b.Timeout);
        Assert.Equal(3, b.Retry.MaxAttempts);
        Assert.Equal(1024, b.MemoryMb);
    }

    [Fact]
    public void Several_errors_are_reported_together_in_file_order()
    {
        var result = WorkflowReader.Parse("""
            name: Bad_Name
            version: 1.0.0
            steps:
              - name: a
                needs: [ghost]
                command: [echo]
                timeout: soon
              - name: b
            """, "workflow.yml", null);

        Assert.True(result.HasErrors);
        Assert.NotNull(result.Definition);
        Assert.Equal(
            new[] { WorkflowErrors.WorkflowBadName.Id, WorkflowErrors.StepUnknownNeed.Id, WorkflowErrors.BadDuration.Id, WorkflowErrors.StepNoAction.Id },
            result.Diagnostics.Select(d => d.ErrorId));
        Assert.Equal(new[] { 1, 5, 7, 8 }, result.Diagnostics.Select(d => d.Line));
    }

    [Fact]
    public void EnsureValid_throws_the_first_ErrorId_with_every_error_as_file_line_column()
    {
        var result = WorkflowReader.Parse("""
            name: demo
            version: 1.0.0
            steps:
              - name: a
                needs: [ghost]
                command: [echo]
                memory_mb: 1
            """, "flow/workflow.yml", null);

        var error = Assert.Throws<WorkflowException>(() => result.EnsureValid());

        Assert.Equal(WorkflowErrors.StepUnknownNeed.Id, error.ErrorId);
        Assert.Equal(FailureKind.InvalidData, error.Kind);
        var lines = error.Message.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("flow/workflow.yml:5:13: Step 'a' needs 'ghost'", lines[0]);
        Assert.StartsWith("flow/workflow.yml:7:16: ", lines[1]);
    }
}
