using System;
using System.IO;

namespace Workflow.Store;

/// <summary>
/// The folder where the local store lives: <c>$env:WORKFLOW_HOME</c> when set, otherwise
/// the user's local application data folder (<c>~/.local/share</c> on Linux) under <c>Workflow.PowerShell</c>.
/// </summary>
public static class WorkflowHome
{
    public const string VariableName = "WORKFLOW_HOME";
    public const string FolderName = "Workflow.PowerShell";
    public const string StoreFileName = "workflow.db";

    /// <summary>The absolute path of the home folder; the folder may not exist yet.</summary>
    public static string Resolve() =>
        Resolve(
            Environment.GetEnvironmentVariable(VariableName),
            Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The store file inside a home folder.</summary>
    public static string StorePath(string home) => Path.Combine(home, StoreFileName);

    // The inputs are parameters so tests need not change the process's environment, which other tests share.
    internal static string Resolve(string? workflowHome, string localApplicationData, string userProfile)
    {
        if (!string.IsNullOrWhiteSpace(workflowHome))
        {
            return Path.GetFullPath(workflowHome);
        }
        if (!string.IsNullOrEmpty(localApplicationData))
        {
            return Path.Combine(localApplicationData, FolderName);
        }
        // Without XDG_DATA_HOME and HOME .NET returns "" for LocalApplicationData; fall back to the XDG default.
        var profile = string.IsNullOrEmpty(userProfile) ? Environment.GetEnvironmentVariable("HOME") ?? "" : userProfile;
        return Path.Combine(profile, ".local", "share", FolderName);
    }
}
