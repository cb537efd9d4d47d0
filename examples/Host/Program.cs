using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Workflow.Host;

/// <summary>
/// workflow-host script.ps1 [args]: imports the staged module (or $env:WORKFLOW_MODULE) and runs the
/// script, its output formatted by Out-Default. Exit code 1 when the script wrote an error.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Workflow.Host <script.ps1> [arguments...]");
            return 2;
        }
        var module = Environment.GetEnvironmentVariable("WORKFLOW_MODULE") ?? FindStagedModule();
        var host = new TextHost();
        using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
        runspace.Open();
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddCommand("Import-Module").AddParameter("Name", module).AddParameter("ErrorAction", "Stop");
        shell.AddStatement().AddCommand(Path.GetFullPath(args[0]));
        foreach (var argument in args.Skip(1)) shell.AddArgument(argument);
        shell.Commands.Commands[^1].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        shell.AddCommand("Out-Default");
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            shell.BeginStop(null, null);
        };
        try
        {
            shell.Invoke();
        }
        catch (RuntimeException e)
        {
            Console.Error.WriteLine(e.ErrorRecord?.ToString() ?? e.Message);
            if (e.ErrorRecord?.InvocationInfo?.PositionMessage is { Length: > 0 } where) Console.Error.WriteLine(where);
            return 1;
        }
        return shell.HadErrors || host.ExitCode != 0 ? Math.Max(1, host.ExitCode) : 0;
    }

    private static string FindStagedModule()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
        {
            var manifest = Path.Combine(folder.FullName, "out", "Workflow.PowerShell", "Workflow.PowerShell.psd1");
            if (File.Exists(manifest)) return manifest;
        }
        throw new FileNotFoundException("The staged module (out/Workflow.PowerShell) was not found: build src/Workflow.PowerShell first, or set WORKFLOW_MODULE.");
    }
}
