using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Workflow.Model;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>
/// Reads and validates workflow.yml (DESIGN §3). Every problem found becomes a diagnostic with its
/// ErrorId (see <see cref="WorkflowErrors"/>), file, line and column; reading never stops at the first.
/// </summary>
public static class WorkflowReader
{
    public const string FileName = "workflow.yml";

    private static readonly string[] WorkflowKeys =
    {
        "name", "version", "description", "home_region", "regions", "constraints", "defaults", "environment", "secrets", "output", "steps",
    };
    private static readonly string[] DefaultsKeys = { "timeout", "retry", "memory_mb" };

    private static readonly Regex NamePattern = new("^[a-z][a-z0-9-]{0,39}$", RegexOptions.CultureInvariant);
    private static readonly Regex VersionPattern = new("^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$", RegexOptions.CultureInvariant);
    private static readonly Regex SecretPattern = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Reads a workflow folder (its workflow.yml) or a workflow.yml file; scripts are looked up beside
    /// the file, and checked by <paramref name="scripts"/> when given. A folder or file that is not
    /// there is no diagnostic (it has no line to point at): it throws WorkflowFileNotFound
    /// (ObjectNotFound), and one that cannot be read WorkflowFileNotReadable (ReadError).
    /// </summary>
    public static WorkflowLoadResult Load(string pathToFolderOrWorkflowYml, IStepScriptChecker? scripts = null)
    {
        if (string.IsNullOrWhiteSpace(pathToFolderOrWorkflowYml))
        {
            throw new WorkflowException(WorkflowErrors.WorkflowFileNotFound,
                $"No path was given. Give a workflow folder holding {FileName}, or the file itself.");
        }
        var path = Path.GetFullPath(pathToFolderOrWorkflowYml);
        var folder = Directory.Exists(path) ? path : null;
        if (folder != null)
        {
            path = Path.Combine(path, FileName);
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowFileNotFound, folder != null
                ? $"The folder '{folder}' holds no {FileName}. Give a workflow folder, or create one with New-Workflow."
                : $"'{path}' was not found. Give a workflow folder holding {FileName}, or the file itself; New-Workflow creates one.",
                pathToFolderOrWorkflowYml, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowFileNotReadable,
                $"'{path}' could not be read: {e.Message} Check that it is a file you may read.", path, e);
        }
        return Parse(text, path, Path.GetDirectoryName(path), scripts);
    }

    /// <summary>
    /// Reads workflow.yml text. <paramref name="fileName"/> names the file in diagnostics and becomes
    /// <see cref="WorkflowDefinition.SourceFile"/>; <paramref name="projectDirectory"/>, when given, is where
    /// <c>run:</c> scripts must exist, and <paramref name="scripts"/> checks their syntax.
    /// </summary>
    public static WorkflowLoadResult Parse(string yamlText, string fileName, string? projectDirectory, IStepScriptChecker? scripts = null)
    {
        if (yamlText == null) throw new ArgumentNullException(nameof(yamlText));
        // A byte order mark is not part of the text: File.ReadAllText drops it, and so does this.
        if (yamlText.Length > 0 && yamlText[0] == '\uFEFF') yamlText = yamlText.Substring(1);
        var diagnostics = new DiagnosticList(fileName, yamlText);
        var root = YamlLoader.LoadRoot(yamlText, diagnostics);
        if (root == null)
        {
            return new WorkflowLoadResult(null, diagnostics.InFileOrder());
        }

        var workflow = YamlSection.Open(root, "the workflow", WorkflowKeys, diagnostics)!;
        var placement = new PlacementReader(diagnostics);
        var settings = new StepSettingsReader(diagnostics);
        var regions = placement.Regions(workflow);
        var defaults = settings.Defaults(workflow.Section("defaults", "defaults", DefaultsKeys));
        var output = new ExpressionReader(diagnostics).Read(workflow, "output", itemAllowed: false);
        var steps = ReadSteps(workflow, new StepReader(diagnostics, projectDirectory, defaults, placement, scripts), diagnostics);
        StepGraphValidator.Validate(steps, output, diagnostics);

        var definition = new WorkflowDefinition
        {
            Name = Checked(workflow, "name", NamePattern, WorkflowErrors.WorkflowBadName, diagnostics,
                "Use up to 40 lowercase letters, digits and hyphens, starting with a letter, as in my-flow."),
            Version = Checked(workflow, "version", VersionPattern, WorkflowErrors.WorkflowBadVersion, diagnostics,
                "Use up to 32 letters, digits, '.', '+' and '-', starting with a letter or digit, as in 1.0.0."),
            Description = workflow.Text("description"),
            HomeRegion = placement.HomeRegion(workflow),
            Regions = regions,
            Constraints = placement.Constraints(workflow),
            Defaults = defaults,
            Environment = workflow.Map("environment"),
            Secrets = Secrets(workflow, diagnostics),
            Output = workflow.RawText("output"),
            Steps = steps.Select(s => s.Definition).ToArray(),
            SourceFile = fileName,
        };
        return new WorkflowLoadResult(definition, diagnostics.InFileOrder());
    }

    private static string Checked(YamlSection workflow, string key, Regex pattern, ErrorId error, DiagnosticList diagnostics, string rule)
    {
        var node = workflow.Scalar(key);
        if (node == null)
        {
            diagnostics.Error(WorkflowErrors.WorkflowMissingKey, workflow.KeyNode(key) ?? workflow.Node,
                $"The workflow has no '{key}'. Add {key}: to the top of {FileName}. {rule}");
            return "";
        }
        var value = node.Value ?? "";
        if (!pattern.IsMatch(value))
        {
            diagnostics.Error(error, node, $"The workflow {key} '{value}' is not valid. {rule}");
        }
        return value;
    }

    private static IReadOnlyList<StepSource> ReadSteps(YamlSection workflow, StepReader reader, DiagnosticList diagnostics)
    {
        var value = workflow.Value("steps");
        switch (value)
        {
            case null:
                diagnostics.Error(WorkflowErrors.WorkflowMissingKey, workflow.KeyNode("steps") ?? workflow.Node,
                    $"The workflow has no steps. Add steps: with at least one step, as in - name: hello.");
                return Array.Empty<StepSource>();
            case YamlSequenceNode { Children.Count: 0 }:
                diagnostics.Error(WorkflowErrors.WorkflowMissingKey, value, "The workflow has no steps: the list is empty. Add at least one step.");
                return Array.Empty<StepSource>();
            case YamlSequenceNode sequence:
                var steps = new List<StepSource>();
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (reader.Read(sequence.Children[i], i) is { } step)
                    {
                        steps.Add(step);
                    }
                }
                return steps;
            default:
                diagnostics.Error(WorkflowErrors.WorkflowBadValue, value,
                    $"'steps' must be a list of steps (lines starting with '- name:'), not {YamlSection.Describe(value)}.");
                return Array.Empty<StepSource>();
        }
    }

    private static IReadOnlyList<string> Secrets(YamlSection workflow, DiagnosticList diagnostics)
    {
        var secrets = new List<string>();
        foreach (var node in workflow.List("secrets"))
        {
            var name = node.Value ?? "";
            if (!SecretPattern.IsMatch(name))
            {
                diagnostics.Error(WorkflowErrors.BadSecretName, node,
                    $"Secret name '{name}' is not valid. Use the name of an environment variable: letters, digits and _, not starting with a digit.");
            }
            else if (!secrets.Contains(name))
            {
                secrets.Add(name);
            }
        }
        return secrets;
    }
}
