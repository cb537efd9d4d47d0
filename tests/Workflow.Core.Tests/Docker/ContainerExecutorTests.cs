using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Docker;

/// <summary>The container executor against the real dockerd: the command step's contract, in a container.</summary>
[Collection("Docker")]
public sealed class ContainerExecutorTests : IDisposable
{
    private readonly TestDocker docker;
    private readonly ContainerCase test = new();

    public ContainerExecutorTests(TestDocker docker) => this.docker = docker;

    public void Dispose() => test.Dispose();

    /// <summary>A busybox step running a shell script, as a block scalar so the script keeps its lines.</summary>
    internal static string Shell(string script) =>
        $"    image: {TestDocker.Busybox}\n    command:\n      - sh\n      - -c\n      - |\n" + string.Concat(script.Split('\n').Select(line => "        " + line + "\n"));

    [Fact]
    public async Task Output_is_the_JSON_the_container_prints_on_stdout()
    {
        var output = await test.RunAsync(Shell("""cat > /dev/null; echo '{"sent": true}'"""));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"sent": true}"""), JsonNode.Parse(output)));
    }

    [Fact]
    public async Task Output_in_WORKFLOW_OUTPUT_wins_over_stdout()
    {
        var output = await test.RunAsync(Shell("""echo 'not json'; echo '{"from": "file"}' > "$WORKFLOW_OUTPUT" """));

        Assert.Equal("file", (string?)JsonNode.Parse(output)!["from"]);
    }

    [Fact]
    public async Task Input_document_arrives_on_stdin_and_in_WORKFLOW_INPUT_with_the_mounted_artifacts_path()
    {
        var output = await test.RunAsync(Shell("""
            stdin=$(cat)
            file=$(cat "$WORKFLOW_INPUT")
            [ "$stdin" = "$file" ] || { echo "stdin and WORKFLOW_INPUT differ" >&2; exit 9; }
            printf '%s' "$stdin"
            """), """{"n": 5}""");

        var input = JsonNode.Parse(output)!;
        Assert.Equal(5, (int)input["input"]!["n"]!);
        Assert.Equal("step", (string?)input["context"]!["step"]);
        Assert.Equal(test.RunId, (string?)input["context"]!["runId"]);
        Assert.Equal(1, (int)input["context"]!["attempt"]!);
        Assert.Equal("/workflow/artifacts", (string?)input["context"]!["artifacts"]);
    }

    [Fact]
    public async Task Files_written_under_WORKFLOW_ARTIFACTS_land_in_the_attempts_artifacts_folder()
    {
        await test.RunAsync(Shell("""mkdir -p "$WORKFLOW_ARTIFACTS/sub"; echo report > "$WORKFLOW_ARTIFACTS/sub/report.txt"; echo null"""));

        Assert.Equal("report\n", File.ReadAllText(Path.Combine(test.Artifacts, "sub", "report.txt")));
    }

    [Fact]
    public async Task Step_environment_and_secrets_reach_the_container_as_environment_only()
    {
        var environment = new Dictionary<string, string> { ["LOG_LEVEL"] = "debug", ["API_TOKEN"] = "s3cret-value" };

        var output = await test.RunAsync(Shell("""
            [ "$API_TOKEN" = "$(printf 's3cret%svalue' -)" ] || exit 7
            # The value is in the environment, not on the container's command line.
            grep -q "$API_TOKEN" /proc/1/cmdline && exit 8
            echo "{\"level\": \"$LOG_LEVEL\", \"tokenLength\": ${#API_TOKEN}}"
            """), environment: environment);

        var result = JsonNode.Parse(output)!;
        Assert.Equal("debug", (string?)result["level"]);
        Assert.Equal(12, (int)result["tokenLength"]!);
        Assert.DoesNotContain(test.Log.Lines, l => l.Message.Contains("s3cret-value"));
    }

    [Fact]
    public async Task Non_zero_exit_is_StepContainerFailed_with_the_code_and_stderr_tail()
    {
        var failure = await test.FailsAsync(Shell("""echo 'disk full' >&2; exit 3"""));

        Assert.Equal(WorkflowErrors.StepContainerFailed, failure.Error);
        Assert.Contains("code 3", failure.Message);
        Assert.Contains("disk full", failure.Message);
        Assert.Contains(("stderr", "disk full"), test.Log.Lines);
    }

    [Fact]
    public async Task Stderr_lines_are_the_step_log_and_stdout_is_not()
    {
        var output = await test.RunAsync(Shell("""echo one >&2; printf 'two\nthree' >&2; echo '{"ok": 1}'"""));

        Assert.Equal(new[] { "one", "two", "three" }, test.Log.Of("stderr"));
        Assert.Equal(1, (int)JsonNode.Parse(output)!["ok"]!);
    }

    [Fact]
    public async Task Output_that_is_not_JSON_is_StepOutputNotJson()
    {
        var failure = await test.FailsAsync(Shell("echo hello"));

        Assert.Equal(WorkflowErrors.StepOutputNotJson, failure.Error);
    }

    [Fact]
    public async Task Container_over_its_memory_mb_is_StepContainerOutOfMemory_naming_the_limit()
    {
        // tail keeps the whole "line" (no newline in /dev/zero) in memory: 100 MB against a 16 MB limit.
        var failure = await test.FailsAsync(Shell("head -c 100m /dev/zero | tail > /dev/null") + "    memory_mb: 16\n");

        Assert.Equal(WorkflowErrors.StepContainerOutOfMemory, failure.Error);
        Assert.Contains("memory_mb (16 MB)", failure.Message);
        Assert.Empty(await docker.ContainersOf(test.RunId));
    }

    [Fact]
    public async Task Default_network_none_leaves_only_loopback()
    {
        var output = await test.RunAsync(Shell("""echo "[\"$(ls /sys/class/net | tr '\n' ' ')\"]" """));

        Assert.Equal("lo", ((string?)JsonNode.Parse(output)![0])!.Trim());
    }

    [Fact]
    public async Task Limits_on_pids_and_cpus_are_the_containers_cgroup_limits()
    {
        var output = await test.RunAsync(Shell("""
            pids=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)
            quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d' ' -f1 /sys/fs/cgroup/cpu.max)
            memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)
            echo "{\"pids\": $pids, \"quota\": $quota, \"memory\": $memory}"
            """) + "    pids_limit: 64\n    cpus: 0.5\n    memory_mb: 48\n");

        var limits = JsonNode.Parse(output)!;
        Assert.Equal(64, (int)limits["pids"]!);
        Assert.Equal(50000, (int)limits["quota"]!); // 0.5 of the default 100000 µs period
        Assert.Equal(48L * 1024 * 1024, (long)limits["memory"]!);
    }

    [Fact]
    public async Task Package_is_mounted_read_only_and_working_dir_and_args_apply()
    {
        test.WriteFile("data/greeting.txt", "hello");

        var output = await test.RunAsync($"    image: {TestDocker.Busybox}\n    command: [sh, -c]\n    args: ['touch /workflow/package/x 2>/dev/null && exit 5; echo \"[\\\"$(pwd)\\\", \\\"$(cat /workflow/package/data/greeting.txt)\\\"]\"']\n    working_dir: /tmp\n");

        Assert.Equal("""["/tmp","hello"]""", JsonNode.Parse(output)!.ToJsonString());
    }

    [Fact]
    public async Task Containers_carry_the_attempts_labels_and_name_and_are_removed_after()
    {
        using var executor = test.Executor();
        var invocation = test.Invocation(test.Step(Shell("sleep 2; echo null")), item: 3, attempt: 2);

        var running = executor.ExecuteAsync(invocation, CancellationToken.None);
        var container = await docker.RunningContainerOf(test.RunId);

        Assert.Equal($"/wf-{test.RunId}-step-i3-a2", Assert.Single(container.Names));
        Assert.Equal("step", container.Labels["workflow.step"]);
        Assert.Equal("2", container.Labels["workflow.attempt"]);
        Assert.Equal("3", container.Labels["workflow.item"]);
        Assert.Equal("demo-1.0.0", container.Labels["workflow.id"]);
        Assert.Equal("null", await running);
        Assert.Empty(await docker.ContainersOf(test.RunId));
        Assert.Empty(Directory.EnumerateFileSystemEntries(test.Scratch));
    }

    [Fact]
    public async Task A_container_left_by_an_earlier_delivery_of_the_attempt_is_replaced()
    {
        using var executor = test.Executor();
        var invocation = test.Invocation(test.Step(Shell("echo '{\"n\": 1}'")));
        await docker.Client.Containers.CreateContainerAsync(new() { Name = Workflow.Docker.ContainerRequest.Name(invocation.Input.Context), Image = TestDocker.Busybox, Cmd = new[] { "true" }, Labels = new Dictionary<string, string> { ["workflow.run"] = test.RunId } });

        Assert.Equal("""{"n": 1}""", await executor.ExecuteAsync(invocation, CancellationToken.None));
        Assert.Empty(await docker.ContainersOf(test.RunId));
    }

    [Fact]
    public async Task Cancellation_kills_the_container_at_once_and_removes_it()
    {
        using var executor = test.Executor();
        using var stop = new CancellationTokenSource();
        var running = executor.ExecuteAsync(test.Invocation(test.Step(Shell("sleep 600"))), stop.Token);
        await docker.RunningContainerOf(test.RunId);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"The stop took {clock.Elapsed}.");
        Assert.Empty(await docker.ContainersOf(test.RunId));
    }

    [Fact]
    public async Task Pull_Never_with_an_image_the_engine_lacks_is_StepImageMissing()
    {
        var failure = await test.FailsAsync("    image: workflow-test/absent:1\n    pull: Never\n");

        Assert.Equal(WorkflowErrors.StepImageMissing, failure.Error);
        Assert.Contains("workflow-test/absent:1", failure.Message);
        Assert.Contains("pull: IfNotPresent", failure.Message);
    }

    [Fact]
    public async Task Docker_unreachable_is_StepDockerUnreachable_naming_the_address_and_DOCKER_HOST()
    {
        var dead = $"unix://{Path.Combine(test.Root, "no-docker.sock")}";
        // Making the executor touches no engine.
        using var executor = test.Executor(dead);

        var failure = await Assert.ThrowsAsync<StepFailedException>(() => executor.ExecuteAsync(test.Invocation(test.Step(Shell("echo null"))), CancellationToken.None));

        Assert.Equal(WorkflowErrors.StepDockerUnreachable, failure.Error);
        Assert.Contains(dead, failure.Message);
        Assert.Contains("DOCKER_HOST", failure.Message);
    }

    [Fact]
    public async Task Bad_network_is_StepContainerNotStarted_with_Dockers_reason()
    {
        var failure = await test.FailsAsync(Shell("echo null") + "    network: no-such-network\n");

        Assert.Equal(WorkflowErrors.StepContainerNotStarted, failure.Error);
        Assert.Contains("no-such-network", failure.Message);
        Assert.Empty(await docker.ContainersOf(test.RunId));
    }
}
