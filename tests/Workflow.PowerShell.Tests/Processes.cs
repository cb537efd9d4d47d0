using System;
using System.Diagnostics;
using System.IO;

namespace Workflow.PowerShell.Tests;

/// <summary>Child processes the tests start: the PowerShell host (another session) and SQLite's shell.</summary>
public static class Processes
{
    public static Process StartHost(string script, string home)
    {
        Assert.True(File.Exists(Repo.HostDll), $"The host {Repo.HostDll} is not built.");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Repo.HostDll);
        info.ArgumentList.Add(script);
        info.Environment["WORKFLOW_HOME"] = home;
        info.Environment["WORKFLOW_MODULE"] = Repo.StagedManifest;
        return Process.Start(info)!;
    }

    /// <summary>The sqlite3 command-line shell, installed by .ci/run: an outside check of the file.</summary>
    public static string Sqlite3(string database, string sql)
    {
        var info = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(database);
        info.ArgumentList.Add(sql);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("sqlite3 is not installed (apt-get install sqlite3).");
        var text = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return text;
    }
}
