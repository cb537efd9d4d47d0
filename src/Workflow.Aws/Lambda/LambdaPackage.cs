using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Workflow.Model;

namespace Workflow.Aws.Lambda;

/// <summary>
/// The worker function's deployment package: the module's lambda/bootstrap at the zip's root
/// (executable) and the module folder under Workflow.PowerShell/, where the bootstrap imports it
/// from. Entries are written in one order with one time, so the same module gives the same zip and
/// its SHA-256 tells a republish whether the code changed.
/// </summary>
internal static class LambdaPackage
{
    /// <summary>Lambda's limit for a zip uploaded with the request (50 MB).</summary>
    public const long MaxZipBytes = 50L * 1024 * 1024;
    private static readonly DateTimeOffset Stamp = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Build(string? moduleFolder)
    {
        var bootstrap = moduleFolder == null ? null : Path.Combine(moduleFolder, "lambda", "bootstrap");
        if (moduleFolder == null || !File.Exists(Path.Combine(moduleFolder, "Workflow.PowerShell.psd1")) || !File.Exists(bootstrap))
        {
            throw new WorkflowException(WorkflowErrors.LambdaPackageInvalid,
                $"The worker function is built from the loaded module's folder, but '{moduleFolder ?? "(none)"}' holds no Workflow.PowerShell.psd1 with lambda/bootstrap. Import the module from its installed or staged folder (Import-Module Workflow.PowerShell) and publish again.", moduleFolder);
        }
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, bootstrap!, "bootstrap", executable: true);
            var root = Path.GetFullPath(moduleFolder);
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                var relative = file.Substring(root.Length).TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Replace('\\', '/');
                Add(zip, file, "Workflow.PowerShell/" + relative, executable: relative == "lambda/bootstrap");
            }
        }
        if (buffer.Length > MaxZipBytes)
        {
            throw new WorkflowException(WorkflowErrors.LambdaPackageInvalid,
                $"The worker function's package is {buffer.Length / 1048576.0:0.0} MB, over Lambda's {MaxZipBytes / 1048576} MB for a direct upload. Remove what does not belong in the module folder '{moduleFolder}'.", moduleFolder);
        }
        return buffer.ToArray();
    }

    private static void Add(ZipArchive zip, string path, string name, bool executable)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = Stamp;
        // Unix mode in the high 16 bits (regular file, 755 or 644): Lambda runs bootstrap only if it is
        // executable. ExternalAttributes is not in netstandard2.0's surface but is in .NET's (pwsh 7);
        // a runtime without it leaves the modes unset (publish from PowerShell 7 then).
        var mode = 0x8000 | (executable ? 0x1ED : 0x1A4);
        typeof(ZipArchiveEntry).GetProperty("ExternalAttributes")?.SetValue(entry, mode << 16);
        using var target = entry.Open();
        using var source = File.OpenRead(path);
        source.CopyTo(target);
    }
}
