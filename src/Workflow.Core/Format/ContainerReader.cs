using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Workflow.Model;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>
/// Reads a step's <c>image</c> and its container settings (args, working_dir, cpus, pids_limit,
/// network, pull, pwsh), checked against Docker's own rules so Test-Workflow finds what the
/// engine would refuse.
/// </summary>
internal sealed class ContainerReader
{
    /// <summary>The keys that only a step with image: may have.</summary>
    public static readonly string[] Keys = { "args", "working_dir", "cpus", "pids_limit", "network", "pull", "pwsh" };

    /// <summary>Docker refuses a memory limit under 6 MB.</summary>
    public const int MinMemoryMb = 6;

    /// <summary>Docker's smallest CPU quota (--cpus 0.01).</summary>
    public const double MinCpus = 0.01;

    // Docker's reference grammar (distribution/reference): [domain[:port]/]path-component[/path-component]*[:tag][@digest].
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string Domain = "(?:" + DomainComponent + @"(?:\." + DomainComponent + @")*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?";
    private const string PathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private const string Tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string Digest = "sha256:[0-9a-f]{64}";

    private static readonly Regex Reference = new(
        "^(?<name>(?:" + Domain + "/)?" + PathComponent + "(?:/" + PathComponent + ")*)(?::(?<tag>" + Tag + "))?(?:@(?<digest>" + Digest + "))?$",
        RegexOptions.CultureInvariant);

    // Docker's rule for names of networks (and containers): a letter or digit, then letters, digits, _ . -
    private static readonly Regex NetworkName = new("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", RegexOptions.CultureInvariant);

    private readonly DiagnosticList diagnostics;

    public ContainerReader(DiagnosticList diagnostics) => this.diagnostics = diagnostics;

    /// <summary>The step's image reference, or null when it has none; a reference Docker would refuse is reported.</summary>
    public string? Image(YamlSection step)
    {
        var node = step.Scalar("image");
        if (node == null)
        {
            return null;
        }
        var image = node.Value ?? "";
        if (WhyNotAReference(image) is { } why)
        {
            diagnostics.Error(WorkflowErrors.BadImageReference, node,
                $"'image' in {step.Where} is '{image}', which is not an image reference: {why} Use [registry[:port]/]name[:tag][@sha256:<64 hex digits>], as in busybox:1 or 127.0.0.1:5000/tools/report:2.");
        }
        return image;
    }

    /// <summary>Why Docker would refuse <paramref name="image"/> as a reference; null when it is one.</summary>
    public static string? WhyNotAReference(string image)
    {
        if (image.Length == 0) return "it is empty.";
        if (Reference.IsMatch(image))
        {
            return Reference.Match(image).Groups["name"].Value.Length > 255 ? "its name is longer than 255 characters." : null;
        }
        var at = image.IndexOf('@');
        if (at >= 0 && !Regex.IsMatch(image.Substring(at + 1), "^" + Digest + "$", RegexOptions.CultureInvariant))
        {
            return "a digest is sha256: and 64 lowercase hex digits.";
        }
        var name = at >= 0 ? image.Substring(0, at) : image;
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash)
        {
            var tag = name.Substring(colon + 1);
            if (tag.Length > 128) return "a tag is at most 128 characters.";
            if (!Regex.IsMatch(tag, "^" + Tag + "$", RegexOptions.CultureInvariant)) return $"the tag '{tag}' may hold only letters, digits, _ . and -, and may not start with . or -.";
            name = name.Substring(0, colon);
        }
        var path = name.Split('/');
        var first = path.Length > 1 && Regex.IsMatch(path[0], "^" + Domain + "$", RegexOptions.CultureInvariant) && (path[0].IndexOf('.') >= 0 || path[0].IndexOf(':') >= 0 || path[0] == "localhost" || path[0].Any(char.IsUpper)) ? 1 : 0;
        if (path.Skip(first).Any(part => part.Any(char.IsUpper))) return "image names are lowercase.";
        return "each part of the name is lowercase letters and digits, separated by . _ __ or -, and parts are separated by /.";
    }

    /// <summary>The container settings; keys set on a step without an image are reported.</summary>
    public ContainerSettings Settings(YamlSection step, bool hasImage)
    {
        if (!hasImage)
        {
            foreach (var key in Keys.Select(step.KeyNode).Where(k => k != null))
            {
                diagnostics.Error(WorkflowErrors.StepContainerKeyWithoutImage, key!,
                    $"'{key!.Value}' in {step.Where} applies to container steps only. Add image: <image> to run the step in a container, or remove '{key.Value}'.");
            }
            return ContainerSettings.Default;
        }
        var settings = ContainerSettings.Default;
        if (step.Value("args") != null)
        {
            if (step.Value("run") != null)
            {
                diagnostics.Error(WorkflowErrors.BadContainerSetting, step.KeyNode("args")!,
                    $"'args' in {step.Where} goes to the image's entrypoint or command, but this step runs a script under pwsh. Remove args, or use command: instead of run:.");
            }
            settings = settings with { Args = step.List("args", singleAllowed: true).Select(a => a.Value ?? "").ToArray() };
        }
        if (step.Scalar("working_dir") is { } workingDir)
        {
            var path = workingDir.Value ?? "";
            if (path.StartsWith("/", StringComparison.Ordinal) || Regex.IsMatch(path, @"^[A-Za-z]:\\", RegexOptions.CultureInvariant))
            {
                settings = settings with { WorkingDir = path };
            }
            else
            {
                Bad(workingDir, step, "working_dir", "an absolute path inside the container, as in /work");
            }
        }
        if (step.Scalar("cpus") is { } cpus)
        {
            if (double.TryParse(cpus.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var count) && count >= MinCpus && !double.IsInfinity(count))
            {
                settings = settings with { Cpus = count };
            }
            else
            {
                Bad(cpus, step, "cpus", $"a number of CPUs of {MinCpus.ToString(CultureInfo.InvariantCulture)} or more (Docker's smallest), as in 0.5 or 2");
            }
        }
        if (step.Scalar("pids_limit") is { } pids)
        {
            if (int.TryParse(pids.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0)
            {
                settings = settings with { PidsLimit = limit };
            }
            else
            {
                Bad(pids, step, "pids_limit", $"a whole number of processes and threads above 0 (default {ContainerSettings.DefaultPidsLimit})");
            }
        }
        if (step.Scalar("network") is { } network)
        {
            if (NetworkName.IsMatch(network.Value ?? ""))
            {
                settings = settings with { Network = network.Value! };
            }
            else
            {
                Bad(network, step, "network", "none (the default), host, bridge, or the name of a Docker network: letters, digits, _ . and -");
            }
        }
        if (Choice<PullPolicy>(step, "pull") is { } pull) settings = settings with { Pull = pull };
        if (Choice<ContainerPwsh>(step, "pwsh") is { } pwsh) settings = settings with { Pwsh = pwsh };
        return settings;
    }

    private T? Choice<T>(YamlSection step, string key) where T : struct, Enum
    {
        var node = step.Scalar(key);
        if (node == null) return null;
        foreach (var value in (T[])Enum.GetValues(typeof(T)))
        {
            if (string.Equals(value.ToString(), node.Value, StringComparison.OrdinalIgnoreCase)) return value;
        }
        Bad(node, step, key, "one of " + string.Join(", ", Enum.GetNames(typeof(T))));
        return null;
    }

    private void Bad(YamlScalarNode node, YamlSection step, string key, string expected) =>
        diagnostics.Error(WorkflowErrors.BadContainerSetting, node, $"'{key}' in {step.Where} is '{node.Value}'. Use {expected}.");
}
