using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Workflow.Model;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>A step as read, with the nodes the graph checks point their diagnostics at.</summary>
internal sealed record StepSource(
    StepDefinition Definition,
    YamlScalarNode? NameNode,
    IReadOnlyList<YamlScalarNode> NeedNodes,
    IReadOnlyList<ExpressionSource> Expressions);

/// <summary>Reads one entry of <c>steps</c>: its name, needs, expressions, action and settings.</summary>
internal sealed class StepReader
{
    private static readonly string[] StepKeys =
    {
        "name", "needs", "if", "foreach", "run", "command", "image", "regions", "timeout", "retry", "memory_mb", "environment",
        "args", "working_dir", "cpus", "pids_limit", "network", "pull", "pwsh",
    };

    // Step names appear in expressions as steps.<name>.output, hence no dots or spaces.
    private static readonly Regex NamePattern = new("^[a-z_][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant);

    private readonly DiagnosticList diagnostics;
    private readonly string? projectDirectory;
    private readonly StepDefaults defaults;
    private readonly StepSettingsReader settings;
    private readonly PlacementReader placement;
    private readonly ExpressionReader expressions;
    private readonly ContainerReader containers;
    private readonly IStepScriptChecker? scripts;
    // Steps may share a script: it is checked, and its errors reported, once.
    private readonly HashSet<string> checkedScripts = new(StringComparer.Ordinal);

    public StepReader(DiagnosticList diagnostics, string? projectDirectory, StepDefaults defaults, PlacementReader placement, IStepScriptChecker? scripts = null)
    {
        this.scripts = scripts;
        this.diagnostics = diagnostics;
        this.projectDirectory = projectDirectory;
        this.defaults = defaults;
        this.placement = placement;
        settings = new StepSettingsReader(diagnostics);
        expressions = new ExpressionReader(diagnostics);
        containers = new ContainerReader(diagnostics);
    }

    /// <summary>Reads step number <paramref name="index"/> (0-based); null when it is not a mapping (reported).</summary>
    public StepSource? Read(YamlNode node, int index)
    {
        // Messages say "step 'resize'" when the step has a name, else "step 3".
        var name = (node as YamlMappingNode)?.Children.FirstOrDefault(e => e.Key is YamlScalarNode { Value: "name" }).Value as YamlScalarNode;
        var where = name is { Value.Length: > 0 } ? $"step '{name.Value}'" : $"step {index + 1}";
        var step = YamlSection.Open(node, where, StepKeys, diagnostics);
        if (step == null)
        {
            return null;
        }

        var nameNode = step.Scalar("name");
        if (nameNode == null)
        {
            diagnostics.Error(WorkflowErrors.WorkflowMissingKey, step.Node, $"Step {index + 1} has no 'name'. Add name: <name> (lowercase letters, digits, _ and -).");
        }
        else if (!NamePattern.IsMatch(nameNode.Value ?? ""))
        {
            diagnostics.Error(WorkflowErrors.StepBadName, nameNode,
                $"Step name '{nameNode.Value}' is not valid. Use up to 63 lowercase letters, digits, _ and -, starting with a letter or _.");
        }

        var needNodes = step.List("needs", singleAllowed: true);
        var found = new List<ExpressionSource>();
        foreach (var key in new[] { "if", "foreach" })
        {
            if (expressions.Read(step, key, itemAllowed: true) is { } expression)
            {
                found.Add(expression);
            }
        }

        var image = containers.Image(step);
        var definition = new StepDefinition
        {
            Name = nameNode?.Value ?? "",
            Needs = needNodes.Select(need => need.Value ?? "").Distinct(StringComparer.Ordinal).ToArray(),
            If = step.RawText("if"),
            Foreach = step.RawText("foreach"),
            Run = Run(step),
            Command = Command(step),
            Image = image,
            Container = containers.Settings(step, hasImage: image != null),
            Regions = placement.Pins(step),
            Timeout = settings.Timeout(step, defaults.Timeout),
            Retry = settings.Retry(step, defaults.Retry),
            // memory_mb is a container's memory limit, which may be as small as Docker allows.
            MemoryMb = settings.Memory(step, defaults.MemoryMb, image != null ? ContainerReader.MinMemoryMb : StepSettingsReader.MinMemoryMb),
            Environment = step.Map("environment"),
            Position = new SourcePosition((int)step.Node.Start.Line, (int)step.Node.Start.Column),
        };
        CheckAction(step);
        return new StepSource(definition, nameNode, needNodes, found);
    }

    /// <summary>One of run and command, or neither, with or without image: a container runs the command or the script.</summary>
    private void CheckAction(YamlSection step)
    {
        var actions = new[] { "run", "command", "image" }
            .Where(key => step.Value(key) != null)
            .Select(key => step.KeyNode(key)!)
            .OrderBy(key => key.Start)
            .ToList();
        if (actions.Count == 0)
        {
            diagnostics.Error(WorkflowErrors.StepNoAction, step.Node,
                $"{Capitalize(step.Where)} does nothing. Give it one of run (a PowerShell script), command, or image.");
            return;
        }
        actions.RemoveAll(a => a.Value == "image");
        if (actions.Count > 1)
        {
            diagnostics.Error(WorkflowErrors.StepSeveralActions, actions[1],
                $"{Capitalize(step.Where)} has both {actions[0].Value} and {actions[1].Value}. Give it only one of run (a PowerShell script) or command, with image: to run it in a container.");
        }
    }

    private string? Run(YamlSection step)
    {
        var node = step.Scalar("run");
        if (node == null)
        {
            return null;
        }
        var path = node.Value ?? "";
        if (!path.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase))
        {
            diagnostics.Error(WorkflowErrors.StepScriptNotPowerShell, node,
                $"'run' in {step.Where} is '{path}', which is not a PowerShell script (.ps1). Use command: for other programs.");
        }
        if (projectDirectory != null)
        {
            CheckScriptExists(node, path, step.Where);
        }
        return path;
    }

    private void CheckScriptExists(YamlScalarNode node, string path, string where)
    {
        // Workflow folders are written on Windows and run elsewhere: accept either separator.
        var relative = path.Replace('\\', '/').Replace('/', Path.DirectorySeparatorChar);
        if (relative.Length == 0 || Path.IsPathRooted(relative) || path.StartsWith("/", StringComparison.Ordinal) || path.StartsWith("\\", StringComparison.Ordinal))
        {
            diagnostics.Error(WorkflowErrors.StepScriptMissing, node,
                $"'run' in {where} is '{path}'. Give the script's path relative to the workflow folder, as in steps/split.ps1.");
            return;
        }
        var folder = Path.GetFullPath(projectDirectory!).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (!full.StartsWith(folder, comparison))
        {
            diagnostics.Error(WorkflowErrors.StepScriptMissing, node,
                $"'run' in {where} is '{path}', which is outside the workflow folder. Move the script into the folder; only the folder is published.");
        }
        else if (!File.Exists(full))
        {
            diagnostics.Error(WorkflowErrors.StepScriptMissing, node,
                $"Script '{path}' of {where} was not found in '{folder.TrimEnd(Path.DirectorySeparatorChar)}'. Create it or fix the path.");
        }
        else if (scripts != null && checkedScripts.Add(full))
        {
            foreach (var error in scripts.Check(full))
            {
                diagnostics.ErrorIn(full, WorkflowErrors.StepScriptSyntaxError, error.Line, error.Column,
                    $"Script '{path}' of {where} does not parse: {error.Message} ({error.ParserErrorId}) Fix the script; the step cannot run as it is.");
            }
        }
    }

    /// <summary>A list of arguments, or one string meaning <c>[sh, -c, string]</c>.</summary>
    private IReadOnlyList<string>? Command(YamlSection step)
    {
        var value = step.Value("command");
        if (value == null)
        {
            return null;
        }
        if (value is YamlScalarNode line)
        {
            return new[] { "sh", "-c", line.Value ?? "" };
        }
        var arguments = step.List("command").Select(a => a.Value ?? "").ToArray();
        if (arguments.Length == 0 && value is YamlSequenceNode)
        {
            diagnostics.Error(WorkflowErrors.WorkflowBadValue, value, $"'command' in {step.Where} is empty. Give the program and its arguments, as in [sh, script.sh].");
        }
        return arguments.Length == 0 ? null : arguments;
    }

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);
}
