using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet.Models;
using Workflow.Engine;
using Workflow.Executors;

namespace Workflow.Docker;

/// <summary>
/// What a step attempt's container is: its name and labels, image, entrypoint and arguments,
/// environment, mounts and limits. The folders a step sees are at fixed paths inside:
/// <c>/workflow/io</c> (WORKFLOW_INPUT and WORKFLOW_OUTPUT), <c>/workflow/artifacts</c>
/// (WORKFLOW_ARTIFACTS, read-write) and <c>/workflow/package</c> (the published package, read-only).
/// </summary>
internal static class ContainerRequest
{
    public const string IoFolder = "/workflow/io";
    public const string InputFile = IoFolder + "/input.json";
    public const string OutputFile = IoFolder + "/output.json";
    public const string ArtifactsFolder = "/workflow/artifacts";
    public const string PackageFolder = "/workflow/package";

    private const long MiB = 1024 * 1024;
    private const int MaxNameLength = 128;

    /// <param name="ioFolder">The attempt's host folder mounted at /workflow/io.</param>
    /// <param name="image">What the engine says of the image (its PATH, for the mounted pwsh's).</param>
    /// <param name="pwsh">How a run: script starts; null for an image or command step.</param>
    public static CreateContainerParameters Build(StepInvocation invocation, string ioFolder, ImageInspectResponse image, PwshLaunch? pwsh)
    {
        var step = invocation.Step;
        var settings = step.Container;
        var environment = invocation.Environment.Select(pair => $"{pair.Key}={pair.Value}").ToList();
        environment.Add("WORKFLOW_INPUT=" + InputFile);
        environment.Add("WORKFLOW_OUTPUT=" + OutputFile);
        environment.Add("WORKFLOW_ARTIFACTS=" + ArtifactsFolder);
        var mounts = new List<Mount>
        {
            Bind(ioFolder, IoFolder, readOnly: false),
            Bind(invocation.ArtifactsDirectory, ArtifactsFolder, readOnly: false),
            Bind(invocation.PackageDirectory, PackageFolder, readOnly: true),
        };

        IList<string>? entrypoint = step.Command?.ToList();
        IList<string>? arguments = settings.Args.Count > 0 ? settings.Args.ToList() : null;
        if (pwsh != null)
        {
            entrypoint = pwsh.Entrypoint.ToList();
            var script = step.Run!.Replace('\\', '/');
            // Names only: the values reach the script through the container's environment, never its command line.
            arguments = new List<string> { "-NoLogo", "-NoProfile", "-NonInteractive", "-File", IoFolder + "/" + ContainerShim.FileName, PackageFolder + "/" + script, script, string.Join(",", invocation.Environment.Keys) };
            environment.Add("POWERSHELL_TELEMETRY_OPTOUT=1");
            environment.Add("POWERSHELL_UPDATECHECK=Off");
            if (pwsh.Host is { } host)
            {
                mounts.Add(Bind(host.PwshHome, HostPwsh.PwshTarget, readOnly: true));
                if (host.DotnetRoot != null)
                {
                    // The tool's pwsh looks for dotnet on PATH and in DOTNET_ROOT.
                    mounts.Add(Bind(host.DotnetRoot, HostPwsh.DotnetTarget, readOnly: true));
                    environment.Add("DOTNET_ROOT=" + HostPwsh.DotnetTarget);
                    environment.Add("PATH=" + HostPwsh.DotnetTarget + ":" + ImagePath(image));
                }
                environment.Add("DOTNET_CLI_TELEMETRY_OPTOUT=1");
            }
        }

        var context = invocation.Input.Context;
        var labels = new Dictionary<string, string>
        {
            ["workflow.run"] = context.RunId,
            ["workflow.id"] = context.WorkflowId,
            ["workflow.step"] = context.Step,
            ["workflow.attempt"] = context.Attempt.ToString(CultureInfo.InvariantCulture),
        };
        if (context.Item is { } item) labels["workflow.item"] = item.ToString(CultureInfo.InvariantCulture);

        // Docker.DotNet's models are not annotated for nulls; a null field is left out of the request.
        return new CreateContainerParameters
        {
            Name = Name(context),
            Image = step.Image!,
            Entrypoint = entrypoint!,
            Cmd = arguments!,
            Env = environment,
            WorkingDir = (settings.WorkingDir ?? (pwsh != null ? PackageFolder : null))!,
            Labels = labels,
            // stdin stays open until the input is written, then closes: the step reads to its end.
            AttachStdin = true,
            AttachStdout = true,
            AttachStderr = true,
            OpenStdin = true,
            StdinOnce = true,
            HostConfig = new HostConfig
            {
                Mounts = mounts,
                NetworkMode = settings.Network,
                Memory = step.MemoryMb * MiB,
                // Swap as large as the limit means none: memory_mb is the most the step can use.
                MemorySwap = step.MemoryMb * MiB,
                NanoCPUs = settings.Cpus is { } cpus ? (long)Math.Round(cpus * 1e9) : 0,
                PidsLimit = settings.PidsLimit,
            },
        };
    }

    /// <summary>
    /// wf-&lt;run&gt;-&lt;step&gt;[-i&lt;item&gt;]-a&lt;attempt&gt;: one name per attempt, so a container left by a
    /// process that died is found again by the attempt that runs the step once more.
    /// </summary>
    public static string Name(StepContext context)
    {
        var name = $"wf-{context.RunId}-{context.Step}" + (context.Item is { } item ? $"-i{item}" : "") + $"-a{context.Attempt}";
        var valid = new StringBuilder(name.Length);
        foreach (var c in name) valid.Append(char.IsLetterOrDigit(c) && c < 128 || c == '_' || c == '.' || c == '-' ? c : '_');
        if (valid.Length <= MaxNameLength && valid.ToString() == name) return name;
        // Cut or changed: a hash of the whole keeps it unique.
        using var sha = SHA256.Create();
        var hash = string.Concat(sha.ComputeHash(Encoding.UTF8.GetBytes(name)).Take(6).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        return valid.ToString(0, Math.Min(valid.Length, MaxNameLength - 13)) + "-" + hash;
    }

    private static Mount Bind(string source, string target, bool readOnly) =>
        new() { Type = "bind", Source = source, Target = target, ReadOnly = readOnly };

    private static string ImagePath(ImageInspectResponse image) =>
        image.Config?.Env?.FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?.Substring(5)
        ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}
