using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Workflow.Model;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>Reads where a workflow may run: <c>home_region</c>, <c>regions</c>, step pins and <c>constraints</c>.</summary>
internal sealed class PlacementReader
{
    public const string LocalRegion = "local";
    public static readonly string[] Metrics = { "carbon", "runtime", "cost" };
    public static readonly string[] ConstraintTypes = { "absolute", "relative" };

    private static readonly string[] RegionsKeys = { "allowed", "disallowed" };
    private static readonly string[] ConstraintsKeys = { "hard", "soft", "priority" };
    private static readonly string[] ConstraintKeys = { "type", "value" };
    private static readonly Regex RegionPattern = new("^(aws|gcp|azure):[a-z0-9-]+$", RegexOptions.CultureInvariant);

    private readonly DiagnosticList diagnostics;
    private readonly HashSet<string> disallowed = new(StringComparer.Ordinal);

    public PlacementReader(DiagnosticList diagnostics) => this.diagnostics = diagnostics;

    public static bool IsValidRegion(string region) => region == LocalRegion || RegionPattern.IsMatch(region);

    /// <summary>Reads <c>regions</c>; read it before home_region and pins, which are checked against <c>disallowed</c>.</summary>
    public RegionSpec Regions(YamlSection workflow)
    {
        var regions = workflow.Section("regions", "regions", RegionsKeys);
        if (regions == null)
        {
            return new RegionSpec();
        }
        var spec = new RegionSpec
        {
            Allowed = RegionList(regions, "allowed"),
            Disallowed = RegionList(regions, "disallowed"),
        };
        disallowed.UnionWith(spec.Disallowed);
        return spec;
    }

    /// <summary>The <c>home_region</c>, <c>local</c> when absent.</summary>
    public string HomeRegion(YamlSection workflow)
    {
        var node = workflow.Scalar("home_region");
        return node == null ? LocalRegion : CheckedRegion(node, $"'home_region' in {workflow.Where}") ?? LocalRegion;
    }

    /// <summary>A step's <c>regions</c>: the regions it is pinned to.</summary>
    public IReadOnlyList<string> Pins(YamlSection step) => RegionList(step, "regions");

    private IReadOnlyList<string> RegionList(YamlSection section, string key)
    {
        var regions = new List<string>();
        foreach (var node in section.List(key))
        {
            var region = CheckedRegion(node, $"'{key}' in {section.Where}");
            if (region != null && !regions.Contains(region))
            {
                regions.Add(region);
            }
        }
        return regions;
    }

    private string? CheckedRegion(YamlScalarNode node, string what)
    {
        var region = node.Value ?? "";
        if (!IsValidRegion(region))
        {
            diagnostics.Error(WorkflowErrors.BadRegion, node,
                $"Region '{region}' in {what} is not valid. Use 'local' or provider:region with provider aws, gcp or azure, as in aws:us-east-1.");
            return null;
        }
        // The disallowed list itself is read before it is filled, so it never flags its own entries.
        if (disallowed.Contains(region))
        {
            diagnostics.Error(WorkflowErrors.RegionDisallowed, node,
                $"Region '{region}' in {what} is listed in regions.disallowed. Pick another region or remove it from disallowed.");
        }
        return region;
    }

    /// <summary>Reads <c>constraints</c>: hard and soft limits per metric, and the priority of metrics.</summary>
    public ConstraintSpec Constraints(YamlSection workflow)
    {
        var constraints = workflow.Section("constraints", "constraints", ConstraintsKeys);
        if (constraints == null)
        {
            return new ConstraintSpec();
        }
        return new ConstraintSpec
        {
            Hard = Limits(constraints, "hard"),
            Soft = Limits(constraints, "soft"),
            Priority = Priority(constraints),
        };
    }

    private IReadOnlyDictionary<string, Constraint> Limits(YamlSection constraints, string key)
    {
        var limits = new Dictionary<string, Constraint>(StringComparer.Ordinal);
        var section = constraints.Section(key, $"constraints.{key}", null);
        foreach (var entry in section?.Entries ?? Array.Empty<KeyValuePair<YamlScalarNode, YamlNode>>())
        {
            var metric = entry.Key.Value ?? "";
            var where = $"constraints.{key}.{metric}";
            if (!Metrics.Contains(metric))
            {
                diagnostics.Error(WorkflowErrors.BadConstraint, entry.Key,
                    $"Unknown metric '{metric}' in constraints.{key}. Metrics: {string.Join(", ", Metrics)}.");
                continue;
            }
            var limit = YamlSection.Open(entry.Value, where, ConstraintKeys, diagnostics);
            if (limit != null && Limit(limit) is { } constraint)
            {
                limits[metric] = constraint;
            }
        }
        return limits;
    }

    private Constraint? Limit(YamlSection limit)
    {
        var typeNode = limit.Scalar("type");
        var valueNode = limit.Scalar("value");
        if (typeNode == null || valueNode == null)
        {
            diagnostics.Error(WorkflowErrors.BadConstraint, limit.Node,
                $"{limit.Where} needs both type (absolute or relative) and value, as in {{ type: relative, value: 120 }}.");
            return null;
        }
        var valid = true;
        if (!ConstraintTypes.Contains(typeNode.Value))
        {
            diagnostics.Error(WorkflowErrors.BadConstraint, typeNode,
                $"The type of {limit.Where} is '{typeNode.Value}'. Use absolute, or relative (percent of the home region).");
            valid = false;
        }
        if (!double.TryParse(valueNode.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || value < 0 || double.IsNaN(value) || double.IsInfinity(value))
        {
            diagnostics.Error(WorkflowErrors.BadConstraint, valueNode,
                $"The value of {limit.Where} is '{valueNode.Value}'. Use a number of 0 or more.");
            valid = false;
        }
        return valid ? new Constraint(typeNode.Value!, value) : null;
    }

    private IReadOnlyList<string> Priority(YamlSection constraints)
    {
        var priority = new List<string>();
        foreach (var node in constraints.List("priority"))
        {
            var metric = node.Value ?? "";
            if (!Metrics.Contains(metric))
            {
                diagnostics.Error(WorkflowErrors.BadConstraint, node,
                    $"Unknown metric '{metric}' in constraints.priority. Metrics: {string.Join(", ", Metrics)}.");
            }
            else if (priority.Contains(metric))
            {
                diagnostics.Error(WorkflowErrors.BadConstraint, node, $"Metric '{metric}' is listed twice in constraints.priority.");
            }
            else
            {
                priority.Add(metric);
            }
        }
        return priority;
    }
}
