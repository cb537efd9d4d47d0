using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Workflow.Tests.Docker;

/// <summary>
/// workflow-test/pwsh:1 — workflow/base:bookworm with this host's pwsh and .NET runtime copied in and
/// a <c>pwsh</c> on its PATH: an image that has its own PowerShell, made here (no registry serves
/// one) and kept on the engine for later runs.
/// </summary>
internal static class PwshImage
{
    public const string Tag = "workflow-test/pwsh:1";

    public static async Task<string> EnsureAsync(TestDocker docker)
    {
        try
        {
            await docker.Client.Images.InspectImageAsync(Tag);
            return Tag;
        }
        catch (DockerImageNotFoundException)
        {
        }
        var dotnet = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(typeof(object).Assembly.Location))))!;
        var created = await docker.Client.Containers.CreateContainerAsync(new CreateContainerParameters { Image = TestDocker.Base, Cmd = new[] { "true" } });
        try
        {
            var launcher = "#!/bin/sh\nexec /opt/dotnet/dotnet /opt/pwsh/pwsh.dll \"$@\"\n";
            using var archive = new MemoryStream();
            using (var tar = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            {
                Add(tar, Path.Combine(dotnet, "dotnet"), "opt/dotnet/dotnet");
                AddFolder(tar, Path.Combine(dotnet, "host"), "opt/dotnet/host");
                AddFolder(tar, Path.Combine(dotnet, "shared", "Microsoft.NETCore.App"), "opt/dotnet/shared/Microsoft.NETCore.App");
                AddFolder(tar, TestDocker.PwshHome(), "opt/pwsh");
                var entry = new PaxTarEntry(TarEntryType.RegularFile, "usr/local/bin/pwsh")
                {
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                    DataStream = new MemoryStream(Encoding.ASCII.GetBytes(launcher)),
                };
                tar.WriteEntry(entry);
            }
            archive.Position = 0;
            await docker.Client.Containers.ExtractArchiveToContainerAsync(created.ID, new CopyToContainerParameters { Path = "/" }, archive);
            await docker.Client.Images.CommitContainerChangesAsync(new CommitContainerChangesParameters { ContainerID = created.ID, RepositoryName = "workflow-test/pwsh", Tag = "1" });
        }
        finally
        {
            await docker.Client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
        }
        return Tag;
    }

    private static void AddFolder(TarWriter tar, string folder, string target)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            Add(tar, file, target + "/" + Path.GetRelativePath(folder, file).Replace('\\', '/'));
        }
    }

    private static void Add(TarWriter tar, string file, string target) => tar.WriteEntry(file, target);
}
