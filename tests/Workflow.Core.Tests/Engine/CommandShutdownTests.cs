using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>
/// Command steps and the end of a session: the engine's shutdown ends the step's processes (they
/// would otherwise go on, and run a second time on resume), and no attempt leaves its
/// WORKFLOW_INPUT/OUTPUT files behind, however it ends.
/// </summary>
public sealed class CommandShutdownTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly EngineHome home = new();

    public CommandShutdownTests() => Directory.CreateDirectory(Marks);

    public void Dispose() => home.Dispose();

    private string Marks => Path.Combine(home.Root, "marks");

    /// <summary>
    /// A command whose first attempt records its shell's and its sleep's pids and sleeps a minute;
    /// later attempts end at once. Every attempt appends its number to runs.log.
    /// </summary>
    private string SleeperYaml => $$"""
        name: sleeper
        version: 1.0.0
        environment: { MARKS: '{{Marks}}' }
        steps:
          - name: sleeper
            command:
              - sh
              - -c
              - |
                cat > /dev/null
                attempt=$(grep -o '"attempt":[0-9]*' "$WORKFLOW_INPUT" | cut -d: -f2)
                echo "$attempt" >> "$MARKS/runs.log"
                if [ "$attempt" = 1 ]; then
                  echo $$ > "$MARKS/sh.pid"
                  sleep 60 &
                  echo $! > "$MARKS/sleep.pid"
                  wait
                fi
                echo "{\"attempt\": $attempt}"
        """;

    [Fact]
    public async Task Shutdown_ends_a_running_command_and_its_children_and_the_next_engine_runs_it_once_more()
    {
        var engineA = home.Open();
        var run = engineA.StartRun(await home.PublishAsync(engineA, SleeperYaml));
        var sleepPid = await ReadPidAsync("sleep.pid");
        var shPid = await ReadPidAsync("sh.pid");
        Assert.True(IsRunning(sleepPid) && IsRunning(shPid));

        engineA.Dispose();

        await UntilAsync(() => !IsRunning(shPid) && !IsRunning(sleepPid), "the step's sh and sleep to end");
        Assert.Empty(Directory.EnumerateFileSystemEntries(home.Scratch));
        var engineB = home.Open(EngineHome.Options with { ResumeInterrupted = true });
        var resumed = await EngineHome.WaitAsync(engineB, run.RunId);

        Assert.Equal(RunState.Succeeded, resumed.State);
        Assert.Equal(2, resumed.Step("sleeper").Attempt);
        Assert.Equal(new[] { "1", "2" }, File.ReadAllLines(Path.Combine(Marks, "runs.log")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(home.Scratch));
    }

    [Fact]
    public async Task Command_step_leaves_no_input_or_output_file_after_success_failure_retries_or_stop()
    {
        var engine = home.Open();
        var succeeded = await home.RunAsync(engine, """
            name: ok
            version: 1.0.0
            steps:
              - name: write
                command: [sh, -c, 'cat > /dev/null; echo "{\"ok\": true}" > "$WORKFLOW_OUTPUT"']
            """);
        var failed = await home.RunAsync(engine, """
            name: bad
            version: 1.0.0
            steps:
              - name: fail
                retry: { max_attempts: 2, interval: 10ms }
                command: [sh, -c, 'cat > /dev/null; exit 3']
            """);
        var stoppedRun = engine.StartRun(await home.PublishAsync(engine, SleeperYaml));
        await ReadPidAsync("sleep.pid");
        var stopped = await engine.StopAsync(stoppedRun.RunId, default);

        Assert.Equal(RunState.Succeeded, succeeded.State);
        Assert.Equal(RunState.Failed, failed.State);
        Assert.Equal(2, failed.Step("fail").Attempt);
        Assert.Equal(RunState.Cancelled, stopped.State);
        Assert.Empty(Directory.EnumerateFileSystemEntries(home.Scratch));
    }

    private async Task<int> ReadPidAsync(string name)
    {
        var path = Path.Combine(Marks, name);
        await UntilAsync(() => File.Exists(path) && File.ReadAllText(path).Trim().Length > 0, $"{name} to be written");
        return int.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            if (timeout.IsCancellationRequested) throw new TimeoutException($"Waited {Deadline.TotalSeconds} s for {what}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Alive and not a zombie: a killed grandchild waits as a zombie for a parent that may never reap it.</summary>
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            var state = text.Substring(text.LastIndexOf(')') + 2, 1);
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
