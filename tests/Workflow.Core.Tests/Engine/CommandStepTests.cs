using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>Command steps through the real CommandExecutor: stdin/stdout JSON, WORKFLOW_OUTPUT, exit codes, stderr.</summary>
public sealed class CommandStepTests : IDisposable
{
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    private async Task<WorkflowRun> RunCommandAsync(Workflow.Engine.WorkflowEngine engine, string script, string argument = "null")
    {
        var indented = string.Join("\n", script.Split('\n').Select(line => "          " + line));
        return await home.RunAsync(engine, $"""
            name: cmd
            version: 1.0.0
            steps:
              - name: shell
                command:
                  - sh
                  - -c
                  - |
            {indented}
            """, argument);
    }

    [Fact]
    public async Task Command_step_output_is_the_JSON_it_prints_on_stdout()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, """cat > /dev/null; echo '{"sent": true}'""");

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"sent":true}"""), await engine.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Command_step_reads_the_input_document_on_stdin_and_in_WORKFLOW_INPUT()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, """
            stdin=$(cat)
            file=$(cat "$WORKFLOW_INPUT")
            [ "$stdin" = "$file" ] || { echo "stdin and WORKFLOW_INPUT differ" >&2; exit 9; }
            printf '%s' "$stdin"
            """, """{"n":5}""");

        Assert.Equal(RunState.Succeeded, run.State);
        var input = (await engine.ReceiveAsync(run.RunId))!.AsObject();
        Assert.Equal(5, (int)input["input"]!["n"]!);
        Assert.Equal("shell", (string?)input["context"]!["step"]);
        Assert.Equal(run.RunId, (string?)input["context"]!["runId"]);
        Assert.Equal(1, (int)input["context"]!["attempt"]!);
    }

    [Fact]
    public async Task Command_step_with_non_zero_exit_fails_with_the_exit_code()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, """cat > /dev/null; echo 'disk full' >&2; exit 3""");

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StepState.Failed, run.StateOf("shell"));
        Assert.Contains("code 3", run.Step("shell").Error);
        Assert.Contains("disk full", run.Step("shell").Error);
        Assert.Contains("shell", run.Error);
    }

    [Fact]
    public async Task Failed_command_step_is_named_once_in_the_run_error()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, """cat > /dev/null; echo 'disk full' >&2; exit 3""");

        Assert.Equal("Step 'shell' failed: 'sh' exited with code 3. stderr: disk full", run.Error);
    }

    [Fact]
    public async Task Command_that_cannot_start_is_reported_without_the_package_path()
    {
        var engine = home.Open();

        var run = await home.RunAsync(engine, """
            name: cmd
            version: 1.0.0
            steps:
              - name: shell
                command: [no-such-program-here]
            """);

        var error = run.Step("shell").Error!;
        Assert.StartsWith("'no-such-program-here' could not be started", error);
        Assert.DoesNotContain(System.IO.Path.Combine(home.Home, "blobs"), error);
    }

    [Fact]
    public async Task Command_step_printing_text_that_is_not_JSON_fails_with_not_JSON()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, """cat > /dev/null; echo 'hello there'""");

        Assert.Equal(RunState.Failed, run.State);
        Assert.Equal(StepState.Failed, run.StateOf("shell"));
        Assert.Contains("not JSON", run.Step("shell").Error);
    }

    [Fact]
    public async Task Command_step_WORKFLOW_OUTPUT_file_wins_over_stdout()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, """
            cat > /dev/null
            echo '{"from": "stdout"}'
            echo '{"from": "file"}' > "$WORKFLOW_OUTPUT"
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"from":"file"}"""), await engine.ReceiveAsync(run.RunId)));
    }

    [Fact]
    public async Task Command_step_stderr_lines_are_its_log()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, """
            cat > /dev/null
            echo 'warming up' >&2
            echo 'almost there' >&2
            echo '{}'
            """);

        Assert.Equal(RunState.Succeeded, run.State);
        var logs = engine.GetLogs(run.RunId).Where(l => l.Stream == "stderr").ToList();
        Assert.Equal(new[] { "warming up", "almost there" }, logs.Select(l => l.Message));
        Assert.All(logs, l =>
        {
            Assert.Equal("shell", l.Step);
            Assert.Equal(1, l.Attempt);
            Assert.Equal(run.RunId, l.RunId);
        });
    }

    [Fact]
    public async Task Command_step_that_prints_nothing_outputs_null()
    {
        var engine = home.Open();

        var run = await RunCommandAsync(engine, "cat > /dev/null");

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Null(await engine.ReceiveAsync(run.RunId));
    }

    [Fact]
    public async Task Stopping_a_run_kills_its_running_command()
    {
        var engine = home.Open();
        var workflowId = await home.PublishAsync(engine, """
            name: cmd
            version: 1.0.0
            steps:
              - name: sleeper
                command: [sh, -c, 'cat > /dev/null; sleep 30; echo "{}"']
            """);
        var run = engine.StartRun(workflowId);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (engine.GetRun(run.RunId).StateOf("sleeper") != StepState.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        await Task.Delay(200);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var stopped = await engine.StopAsync(run.RunId, default);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {clock.Elapsed}.");
        Assert.Equal(RunState.Cancelled, stopped.State);
        Assert.Equal(StepState.Cancelled, stopped.StateOf("sleeper"));
    }
}
