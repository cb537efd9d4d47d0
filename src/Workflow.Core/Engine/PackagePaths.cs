using System;
using System.IO;

namespace Workflow.Engine;

/// <summary>
/// A step runs from the published copy of its folder (the blob store's package, or a worker's
/// package cache); what it says about its own files should name them as the user wrote them.
/// </summary>
public readonly struct PackagePaths
{
    private readonly string root;

    public PackagePaths(string packageDirectory) =>
        root = packageDirectory.Length == 0 ? "" : Path.GetFullPath(packageDirectory).TrimEnd('/', '\\');

    /// <summary>The path relative to the package (steps/split.ps1), or the path unchanged when it is outside it.</summary>
    public string ToUserPath(string path)
    {
        if (root.Length == 0 || path.Length <= root.Length + 1 || !path.StartsWith(root, StringComparison.Ordinal)) return path;
        var separator = path[root.Length];
        return separator is '/' or '\\' ? path.Substring(root.Length + 1) : path;
    }

    /// <summary>The text with every path inside the package written relative to it, and the package itself as '.'.</summary>
    public string ToUserPaths(string text)
    {
        if (root.Length == 0 || text.IndexOf(root, StringComparison.Ordinal) < 0) return text;
        return text.Replace(root + "/", "").Replace(root + "\\", "").Replace(root, ".");
    }
}
