using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace Workflow.Blobs;

/// <summary>The local blob store: one file per key under a root folder.</summary>
public sealed class FolderBlobStore : IBlobStore
{
    private readonly string root;

    public FolderBlobStore(string root)
    {
        this.root = Path.GetFullPath(root);
        Directory.CreateDirectory(this.root);
    }

    public string Root => root;

    /// <summary>The file that holds a key (the local store can hand steps a path instead of bytes).</summary>
    public string PathOf(string key)
    {
        if (key.Length == 0 || key.Contains("..") || Path.IsPathRooted(key))
        {
            throw new ArgumentException($"Blob key '{key}' is not a relative path without '..'.", nameof(key));
        }
        return Path.Combine(root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    public Task PutAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Write then rename, so a reader never sees half a blob.
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, content);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        File.Move(temp, path);
        return Task.CompletedTask;
    }

    public Task<bool> PutIfAbsentAsync(string key, byte[] content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, content);
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            try
            {
                // MoveFileEx without MOVEFILE_REPLACE_EXISTING: the file system decides the race.
                File.Move(temp, path);
                return Task.FromResult(true);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
                return Task.FromResult(false);
            }
        }
        // Not File.Move: on Unix it looks for the target and then renames, which replaces a target
        // created in between, so two racing writers could both win. link(2) fails with EEXIST instead.
        var linked = NativeMethods.link(temp, path) == 0;
        var error = linked ? 0 : Marshal.GetLastWin32Error();
        File.Delete(temp);
        if (linked) return Task.FromResult(true);
        if (error == NativeMethods.EEXIST) return Task.FromResult(false);
        throw new IOException($"Cannot write blob '{key}' under '{root}': link(2) failed with errno {error}. The folder must be on a file system with hard links.");
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        return Task.FromResult(File.Exists(path) ? File.ReadAllBytes(path) : null);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(key)));

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> keys = Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => f.Substring(root.Length + 1).Replace(Path.DirectorySeparatorChar, '/'))
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !k.EndsWith(".tmp", StringComparison.Ordinal))
                .OrderBy(k => k, StringComparer.Ordinal)
                .ToList()
            : Array.Empty<string>();
        return Task.FromResult(keys);
    }

    public Task DeleteAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var path = PathOf(prefix.TrimEnd('/'));
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
        return Task.CompletedTask;
    }
}

internal static class NativeMethods
{
    /// <summary>errno when the new name exists (the same on Linux, macOS and the BSDs).</summary>
    public const int EEXIST = 17;

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    public static extern int link(string oldpath, string newpath);
}
