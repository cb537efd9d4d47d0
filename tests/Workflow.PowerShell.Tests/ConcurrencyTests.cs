using System.IO;
using System.Linq;

namespace Workflow.PowerShell.Tests;

/// <summary>Several sessions (processes) sharing one store at once lose nothing and corrupt nothing.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public void Two_processes_and_this_one_run_workflows_on_one_store_at_once()
    {
        using var session = new Session();
        var folder = session.Workflow("wide", "name: wide\nversion: 1.0.0\nsteps:\n  - name: list\n    run: list.ps1\n  - name: each\n    needs: [list]\n    foreach: steps.list.output\n    run: each.ps1\n  - name: sum\n    needs: [each]\n    run: sum.ps1\n",
            ("list.ps1", "param($Context)\n,@(1..150)\n"),
            ("each.ps1", "param($Context)\n$Context.item * 2\n"),
            ("sum.ps1", "param($Context)\n$total = 0\nforeach ($n in $Context.steps.each) { $total += $n }\n$total\n"));
        session.Run($"Publish-Workflow '{folder}' | Out-Null");
        var script = Path.Combine(session.Home, "run.ps1");
        File.WriteAllText(script, "$run = Start-WorkflowRun wide-1.0.0 -Wait\n\"$($run.RunId) $($run.State)\"\n");

        using var first = Processes.StartHost(script, session.Home);
        using var second = Processes.StartHost(script, session.Home);
        var mine = session.Run("Start-WorkflowRun wide-1.0.0 -Wait").Single();
        var others = new[] { first, second }.Select(p =>
        {
            var line = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return line;
        }).ToList();

        Assert.Equal("Succeeded", mine.Properties["State"].Value.ToString());
        Assert.All(others, line => Assert.EndsWith(" Succeeded", line));
        var runs = session.Run("Get-WorkflowRun -WorkflowId wide-1.0.0").ToList();
        Assert.Equal(3, runs.Count);
        foreach (var run in runs)
        {
            var total = session.Run("Receive-WorkflowRun -RunId $run.RunId", new() { ["run"] = run }).Single();
            Assert.Equal(150 * 151, (int)total.BaseObject);
            var history = session.Run("@((Get-WorkflowRun -RunId $run.RunId).Steps | Where-Object { $_.Step -eq 'each' -and $_.ItemCount -eq 150 }).Count", new() { ["run"] = run }).Single();
            Assert.Equal(1, (int)history.BaseObject);
        }
        Assert.Empty(session.Errors);
        Assert.Equal("ok", Processes.Sqlite3(Path.Combine(session.Home, "workflow.db"), "PRAGMA integrity_check;"));
    }
}
