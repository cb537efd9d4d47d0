using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Workflow.PowerShell.Tests;

/// <summary>
/// A fresh runspace with the staged module imported and its own workflow home. The module keeps
/// one engine per home per process, and $env:WORKFLOW_HOME is process-wide: tests run one at a time.
/// </summary>
public sealed class Session : IDisposable
{
    private readonly Runspace runspace;

    public Session()
    {
        Home = Path.Combine(Path.GetTempPath(), "wf-ps-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(Home);
        Environment.SetEnvironmentVariable("WORKFLOW_HOME", Home);
        runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        Run($"Import-Module '{Repo.StagedManifest}' -ErrorAction Stop");
    }

    public string Home { get; }

    public List<ErrorRecord> Errors { get; } = new();

    /// <summary>Runs a script; its non-terminating errors go to <see cref="Errors"/>, terminating ones throw.</summary>
    public Collection<PSObject> Run(string script, Dictionary<string, object?>? variables = null)
    {
        using var shell = System.Management.Automation.PowerShell.Create();
        shell.Runspace = runspace;
        if (variables != null)
        {
            foreach (var pair in variables) runspace.SessionStateProxy.SetVariable(pair.Key, pair.Value);
        }
        shell.AddScript(script);
        var results = shell.Invoke();
        Errors.AddRange(shell.Streams.Error);
        return results;
    }

    /// <summary>Copies an example workflow folder into the home, so tests may change it.</summary>
    public string Example(string name)
    {
        var target = Path.Combine(Home, "src", name);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repo.Root, "examples", name), "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Path.Combine(Repo.Root, "examples", name), file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    /// <summary>Writes a workflow folder from a workflow.yml text and script files.</summary>
    public string Workflow(string name, string yaml, params (string Path, string Text)[] files)
    {
        var folder = Path.Combine(Home, "src", name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "workflow.yml"), yaml);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        return folder;
    }

    public void Dispose()
    {
        runspace.Dispose();
    }
}

public static class Repo
{
    public static string Root { get; } = Find();

    public static string StagedManifest => Path.Combine(Root, "out", "Workflow.PowerShell", "Workflow.PowerShell.psd1");

    /// <summary>Debug or Release: whichever this test assembly was built as.</summary>
    public static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string HostDll => Path.Combine(Root, "examples", "Host", "bin", Configuration, "net10.0", "Workflow.Host.dll");

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Workflow.PowerShell.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException("The repository root (Workflow.PowerShell.sln) was not found above the test assembly.");
    }
}
