using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace Workflow.Bench;

/// <summary>
/// dotnet run --project bench/Workflow.Bench -c Release [-- steps|import|memory]
/// Each figure is printed with its baseline from the same process: not a timed test.
/// </summary>
public static class Program
{
    /// <summary>The temp folders this process made (workflow homes, the empty manifest), deleted as it ends.</summary>
    private static readonly System.Collections.Generic.List<string> Temporary = new();

    public static int Main(string[] args)
    {
        var mode = args.FirstOrDefault() ?? "all";
        try
        {
            switch (mode)
            {
                case "import":
                    Import();
                    return 0;
                case "memory":
                    Memory(args.Length > 1 ? int.Parse(args[1]) : 10_000);
                    return 0;
                case "steps":
                    Steps();
                    return 0;
                default:
                    // Import and memory each need a process of their own: a cold start, a clean peak.
                    Child("import");
                    Steps();
                    Child("memory");
                    return 0;
            }
        }
        finally
        {
            foreach (var folder in Temporary) Directory.Delete(folder, recursive: true);
        }
    }

    private static string NewTemporaryFolder(string prefix)
    {
        var folder = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(folder);
        Temporary.Add(folder);
        return folder;
    }

    private static void Steps()
    {
        var throttle = Math.Max(2, Environment.ProcessorCount);
        using var shell = Session(out var home);
        var noop = Path.Combine(home, "noop.ps1");
        File.WriteAllText(noop, "param($Context)\n");
        var fanout = Workflow(home, "fanout", "  - name: list\n    run: list.ps1\n  - name: noop\n    needs: [list]\n    foreach: steps.list.output\n    run: noop.ps1\n",
            ("list.ps1", "param($Context)\n,@(1..$Context.input.n)\n"), ("noop.ps1", "param($Context)\n"));
        var layers = new StringBuilder();
        for (var layer = 0; layer < 10; layer++)
        {
            for (var i = 0; i < 100; i++)
            {
                layers.Append($"  - name: s{layer}_{i}\n    run: noop.ps1\n");
                if (layer > 0) layers.Append($"    needs: [s{layer - 1}_{i}]\n");
            }
        }
        var layered = Workflow(home, "layered", layers.ToString(), ("noop.ps1", "param($Context)\n"));
        Invoke(shell, $"Publish-Workflow '{fanout}' | Out-Null; Publish-Workflow '{layered}' | Out-Null");

        // Warm up both paths once, so neither pays for JIT and runspace creation in its figure.
        Invoke(shell, "Start-WorkflowRun fanout-1.0.0 -Argument @{ n = 50 } -Wait | Out-Null");
        Invoke(shell, $"$noop = '{noop}'; 1..50 | ForEach-Object -Parallel {{ & $using:noop $_ }} -ThrottleLimit {throttle}");

        var baseline = Time(() => Invoke(shell, $"$noop = '{noop}'; 1..1000 | ForEach-Object -Parallel {{ & $using:noop $_ }} -ThrottleLimit {throttle}"));
        var fan = Time(() => Check(Invoke(shell, "Start-WorkflowRun fanout-1.0.0 -Argument @{ n = 1000 } -Wait")));
        var dag = Time(() => Check(Invoke(shell, "Start-WorkflowRun layered-1.0.0 -Wait")));
        Console.WriteLine($"ForEach-Object -Parallel -ThrottleLimit {throttle}, 1,000 no-op scripts: {baseline.TotalMilliseconds / 1000:F3} ms/item (baseline)");
        Report("fan-out of 1,000 no-op PowerShell steps", fan, baseline);
        Report("10x100 layered DAG of no-op PowerShell steps", dag, baseline);
    }

    private static void Report(string what, TimeSpan elapsed, TimeSpan baseline) =>
        Console.WriteLine($"{what}: {1000 / elapsed.TotalSeconds:F0} steps/s, {elapsed.TotalMilliseconds / 1000:F3} ms/step, ratio to ForEach-Object -Parallel {elapsed.TotalMilliseconds / baseline.TotalMilliseconds:F3} (target <= 0.15)");

    private static void Import()
    {
        // Baseline: the same command (Import-Module) on a manifest-only module, in the same kind of runspace.
        var empty = Path.Combine(NewTemporaryFolder("wf-bench-empty-"), "Empty.psd1");
        File.WriteAllText(empty, "@{ ModuleVersion = '1.0.0' }");
        var iss = InitialSessionState.CreateDefault2();
        var open = Time(() => OpenRunspace(iss).Dispose());
        var baseline = ImportInFreshRunspace(iss, empty);
        var cold = ImportInFreshRunspace(iss, Manifest());
        var warm = ImportInFreshRunspace(iss, Manifest());
        Console.WriteLine($"first runspace open in this process {open.TotalMilliseconds:F0} ms; Import-Module of an empty manifest {baseline.TotalMilliseconds:F0} ms (baseline)");
        Console.WriteLine($"Import-Module Workflow.PowerShell in a fresh runspace: first in the process {cold.TotalMilliseconds:F0} ms, again in another runspace {warm.TotalMilliseconds:F0} ms (target <= 300 ms), ratio to baseline {cold.TotalMilliseconds / baseline.TotalMilliseconds:F1}");
    }

    private static Runspace OpenRunspace(InitialSessionState iss)
    {
        var runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        return runspace;
    }

    private static TimeSpan ImportInFreshRunspace(InitialSessionState iss, string manifest)
    {
        using var runspace = OpenRunspace(iss);
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddCommand("Import-Module").AddParameter("Name", manifest);
        var elapsed = Time(() => shell.Invoke());
        if (shell.HadErrors) throw new InvalidOperationException(string.Join("; ", shell.Streams.Error));
        return elapsed;
    }

    private static void Memory(int items)
    {
        using var shell = Session(out var home);
        var fanout = Workflow(home, "wide", "  - name: list\n    run: list.ps1\n  - name: noop\n    needs: [list]\n    foreach: steps.list.output\n    run: noop.ps1\n",
            ("list.ps1", "param($Context)\n,@(1..$Context.input.n)\n"), ("noop.ps1", "param($Context)\n"));
        var before = Process.GetCurrentProcess().PeakWorkingSet64;
        var elapsed = Time(() => Check(Invoke(shell, $"Publish-Workflow '{fanout}' | Start-WorkflowRun -Argument @{{ n = {items} }} -Wait")));
        var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine($"fan-out of {items:N0} items: peak working set {process.PeakWorkingSet64 / 1048576} MB (host and module loaded: {before / 1048576} MB; target <= 300 MB), {items / elapsed.TotalSeconds:F0} items/s");
    }

    private static PowerShell Session(out string home)
    {
        home = NewTemporaryFolder("wf-bench-");
        Environment.SetEnvironmentVariable("WORKFLOW_HOME", home);
        var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddCommand("Import-Module").AddParameter("Name", Manifest()).Invoke();
        return shell;
    }

    private static System.Collections.ObjectModel.Collection<PSObject> Invoke(PowerShell shell, string script)
    {
        shell.Commands.Clear();
        shell.Streams.ClearStreams();
        var result = shell.AddScript(script).Invoke();
        if (shell.HadErrors) throw new InvalidOperationException(string.Join("; ", shell.Streams.Error));
        return result;
    }

    private static void Check(System.Collections.ObjectModel.Collection<PSObject> runs)
    {
        var state = runs.Single().Properties["State"].Value.ToString();
        if (state != "Succeeded") throw new InvalidOperationException($"The benchmark run ended {state}: {runs.Single().Properties["Error"].Value}");
    }

    private static string Workflow(string home, string name, string steps, params (string Path, string Text)[] files)
    {
        var folder = Path.Combine(home, name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "workflow.yml"), $"name: {name}\nversion: 1.0.0\nsteps:\n{steps}");
        foreach (var (path, text) in files) File.WriteAllText(Path.Combine(folder, path), text);
        return folder;
    }

    private static TimeSpan Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed;
    }

    private static void Child(string mode)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        info.ArgumentList.Add(typeof(Program).Assembly.Location);
        info.ArgumentList.Add(mode);
        using var child = Process.Start(info)!;
        child.WaitForExit();
    }

    private static string Manifest()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
        {
            var manifest = Path.Combine(folder.FullName, "out", "Workflow.PowerShell", "Workflow.PowerShell.psd1");
            if (File.Exists(manifest)) return manifest;
        }
        throw new FileNotFoundException("The staged module (out/Workflow.PowerShell) was not found: build src/Workflow.PowerShell first.");
    }
}
