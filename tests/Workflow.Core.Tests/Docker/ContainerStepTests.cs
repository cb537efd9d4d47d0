using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Docker;
using Workflow.Engine;
using Workflow.Model;
using Workflow.Tests.Engine;

namespace Workflow.Tests.Docker;

/// <summary>Container steps run by the embedded engine: needs, foreach, retries, timeouts, stops and secrets, as a user's runs go.</summary>
[Collection("Docker")]
public sealed class ContainerStepTests : IDisposable
{
    private readonly TestDocker docker;
    private readonly EngineHome home = new();
    private readonly ContainerExecutor containers;
    private readonly string secretName = "WF_CONTAINER_SECRET_" + Guid.NewGuid().ToString("N").Substring(0, 8).ToUpperInvariant();
    private readonly string secretValue = "s3cr3t-" + Guid.NewGuid().ToString("N");

    public ContainerStepTests(TestDocker docker)
    {
        this.docker = docker;
        containers = new ContainerExecutor(new ContainerExecutorOptions { ScratchRoot = home.Scratch, PwshHome = TestDocker.PwshHome() });
        Environment.SetEnvironmentVariable(secretName, secretValue);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(secretName, null);
        home.Dispose();
        containers.Dispose();
    }

    private static string Step(string name, string script, string extra = "") =>
        $"  - name: {name}\n" + extra + ContainerExecutorTests.Shell(script);

    private static string Flow(params string[] steps) => "name: boxes\nversion: 1.0.0\nsteps:\n" + string.Concat(steps);

    [Fact]
    public async Task Container_output_flows_to_the_steps_that_need_it()
    {
        var engine = home.Open(containers);

        var run = await home.RunAsync(engine, Flow(
            Step("make", """cat > /dev/null; echo '{"n": 7}'"""),
            Step("pass", """cat""", "    needs: make\n")));

        Assert.Equal(RunState.Succeeded, run.State);
        var output = (await engine.ReceiveAsync(run.RunId))!;
        Assert.Equal(7, (int)output["steps"]!["make"]!["n"]!);
    }

    [Fact]
    public async Task Foreach_container_step_gives_the_item_outputs_in_order()
    {
        var engine = home.Open(containers);

        var run = await home.RunAsync(engine, Flow(
            Step("list", """echo '[3, 1, 2]'"""),
            Step("each", """sed -n 's/.*"item":\([0-9]*\),"context".*/\1/p' "$WORKFLOW_INPUT" """, "    needs: list\n    foreach: steps.list.output\n")));

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal("[3,1,2]", (await engine.ReceiveAsync(run.RunId))!.ToJsonString());
        Assert.Empty(await docker.ContainersOf(run.RunId));
    }

    [Fact]
    public async Task Failed_container_attempt_is_retried_in_a_container_of_its_own()
    {
        var engine = home.Open(containers);

        var run = await home.RunAsync(engine, Flow(Step("flaky", """
            grep -q '"attempt":1' "$WORKFLOW_INPUT" && { echo 'first try fails' >&2; exit 4; }
            echo "{\"host\": \"$(hostname)\"}"
            """, "    retry: { max_attempts: 2, interval: 1s }\n")));

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(2, run.Step("flaky").Attempt);
        var logs = engine.GetLogs(run.RunId, "flaky");
        Assert.Contains(logs, l => l.Attempt == 1 && l.Stream == "stderr" && l.Message == "first try fails");
        Assert.Contains(logs, l => l.Attempt == 1 && l.Stream == "Error" && l.Message.Contains("exited with code 4"));
    }

    [Fact]
    public async Task Timeout_kills_the_container_and_fails_the_step()
    {
        var engine = home.Open(containers);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var run = await home.RunAsync(engine, Flow(Step("slow", "sleep 600", "    timeout: 2s\n")));

        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains("timed out after 2s", run.Step("slow").Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The run took {clock.Elapsed}.");
        Assert.Empty(await docker.ContainersOf(run.RunId));
    }

    [Fact]
    public async Task Stopping_the_run_kills_its_running_container()
    {
        var engine = home.Open(containers);
        var workflowId = await home.PublishAsync(engine, Flow(Step("slow", "sleep 600")));
        var started = engine.StartRun(workflowId);
        await docker.RunningContainerOf(started.RunId);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = await engine.StopAsync(started.RunId, timeout.Token);

        Assert.Equal(RunState.Cancelled, run.State);
        Assert.Equal(StepState.Cancelled, run.StateOf("slow"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"The stop took {clock.Elapsed}.");
        Assert.Empty(await docker.ContainersOf(started.RunId));
    }

    [Fact]
    public async Task Secret_reaches_the_container_and_is_redacted_from_its_log()
    {
        var engine = home.Open(containers);

        var run = await home.RunAsync(engine, $"name: boxes\nversion: 1.0.0\nsecrets: [{secretName}]\nenvironment: {{ MODE: test }}\nsteps:\n"
            + Step("use", "echo \"token is $" + secretName + " in $MODE\" >&2; echo \"{\\\"length\\\": ${#" + secretName + "}}\""));

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(secretValue.Length, (int)(await engine.ReceiveAsync(run.RunId))!["length"]!);
        var line = Assert.Single(engine.GetLogs(run.RunId, "use"), l => l.Stream == "stderr");
        Assert.DoesNotContain(secretValue, line.Message);
        Assert.StartsWith("token is ", line.Message);
        Assert.EndsWith(" in test", line.Message);
    }

    [Fact]
    public async Task Run_script_with_image_runs_through_the_engine()
    {
        var engine = home.Open(containers);
        var folder = home.WriteWorkflow(Flow("  - name: script\n    image: workflow/base:bookworm\n    run: steps/double.ps1\n"));
        System.IO.File.WriteAllText(System.IO.Path.Combine(folder, "steps", "double.ps1"), "param($Context)\nWrite-Warning 'doubling'\n@{ n = $Context.input.n * 2 }\n");
        var workflowId = (await engine.Catalog.PublishAsync(folder, force: false)).WorkflowId;

        var run = await EngineHome.WaitAsync(engine, engine.StartRun(workflowId, """{"n": 4}""").RunId);

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(8, (int)(await engine.ReceiveAsync(run.RunId))!["n"]!);
        Assert.Contains(engine.GetLogs(run.RunId, "script"), l => l.Stream == "stderr" && l.Message == "WARNING: doubling");
    }
}
