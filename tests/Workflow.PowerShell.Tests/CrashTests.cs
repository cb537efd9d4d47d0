using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit.Abstractions;

namespace Workflow.PowerShell.Tests;

/// <summary>A session killed with SIGKILL mid-run loses nothing: a new process carries the run on.</summary>
public sealed class CrashTests
{
    private readonly ITestOutputHelper output;

    public CrashTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public void A_run_killed_mid_way_resumes_in_a_new_process_without_rerunning_finished_steps()
    {
        using var session = new Session();
        var steps = Enumerable.Range(1, 8).Select(i => $"  - name: s{i}\n" + (i > 1 ? $"    needs: [s{i - 1}]\n" : "") + "    run: step.ps1\n");
        var folder = session.Workflow("long", "name: long\nversion: 1.0.0\nsteps:\n" + string.Concat(steps),
            ("step.ps1", "param($Context)\n[System.IO.File]::AppendAllText([System.IO.Path]::Combine($env:WORKFLOW_HOME, 'executions.log'), $Context.context.step + [System.Environment]::NewLine)\nStart-Sleep -Milliseconds 700\n@{ step = $Context.context.step }\n"));
        var script = Path.Combine(session.Home, "start.ps1");
        File.WriteAllText(script, $"$run = Publish-Workflow '{folder}' | Start-WorkflowRun\n$run.RunId\nWait-WorkflowRun -RunId $run.RunId | Out-Null\n");

        using var child = Processes.StartHost(script, session.Home);
        var runId = child.StandardOutput.ReadLine()?.Trim();
        Assert.False(string.IsNullOrEmpty(runId), "the child printed no run id: " + child.StandardError.ReadToEnd());

        // Kill once three steps are done: the store is read by this process meanwhile, as another session would.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        int done;
        do
        {
            Thread.Sleep(100);
            done = session.Run("@((Get-WorkflowRun -RunId $id).Steps | Where-Object State -eq 'Succeeded').Count", new() { ["id"] = runId }).Single().BaseObject is int n ? n : 0;
        }
        while (done < 3 && DateTime.UtcNow < deadline);
        child.Kill(); // SIGKILL on Linux: no cleanup runs in the child.
        child.WaitForExit();
        var finishedBeforeKill = session.Run("(Get-WorkflowRun -RunId $id).Steps | Where-Object State -eq 'Succeeded' | ForEach-Object Step", new() { ["id"] = runId })
            .Select(o => o.ToString()!).ToList();
        output.WriteLine($"killed after {finishedBeforeKill.Count} steps: {string.Join(",", finishedBeforeKill)}");
        Assert.True(finishedBeforeKill.Count >= 3);

        var resumed = session.Run("Resume-WorkflowRun -RunId $id -Wait", new() { ["id"] = runId }).Single();
        Assert.Empty(session.Errors);
        Assert.Equal("Succeeded", resumed.Properties["State"].Value.ToString());

        var executions = File.ReadAllLines(Path.Combine(session.Home, "executions.log")).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        foreach (var step in finishedBeforeKill)
        {
            Assert.True(executions[step] == 1, $"{step} ran {executions[step]} times");
        }
        Assert.Equal(8, executions.Count);
        Assert.Equal("ok", Processes.Sqlite3(Path.Combine(session.Home, "workflow.db"), "PRAGMA integrity_check;"));
    }
}
