using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>
/// One YAML mapping of workflow.yml with its allowed keys. Typed reads report a value of the wrong
/// YAML shape as <c>WorkflowBadValue</c> and give null (or empty), so reading goes on.
/// </summary>
internal sealed class YamlSection
{
    private readonly DiagnosticList diagnostics;
    private readonly Dictionary<string, KeyValuePair<YamlScalarNode, YamlNode>> entries = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<YamlScalarNode, YamlNode>> ordered = new();

    private YamlSection(YamlNode node, string where, DiagnosticList diagnostics)
    {
        Node = node;
        Where = where;
        this.diagnostics = diagnostics;
    }

    public YamlNode Node { get; }

    /// <summary>Where this mapping is, in words for messages: "the workflow", "step 'split'", "defaults.retry".</summary>
    public string Where { get; }

    /// <summary>The entries in file order; keys are scalars.</summary>
    public IReadOnlyList<KeyValuePair<YamlScalarNode, YamlNode>> Entries => ordered;

    /// <summary>
    /// Opens a mapping; null when <paramref name="node"/> is null or not a mapping (reported). A YAML null
    /// (<c>key:</c> with nothing after it) opens as empty. <paramref name="allowedKeys"/> null allows any key.
    /// </summary>
    public static YamlSection? Open(YamlNode? node, string where, IReadOnlyCollection<string>? allowedKeys, DiagnosticList diagnostics)
    {
        if (node == null)
        {
            return null;
        }
        var section = new YamlSection(node, where, diagnostics);
        if (IsNull(node))
        {
            return section;
        }
        if (node is not YamlMappingNode mapping)
        {
            diagnostics.Error(WorkflowErrors.WorkflowBadValue, node, $"{Capitalize(where)} must be a mapping of keys to values, not {Describe(node)}.");
            return null;
        }
        foreach (var entry in mapping.Children)
        {
            if (entry.Key is not YamlScalarNode key)
            {
                diagnostics.Error(WorkflowErrors.WorkflowBadValue, entry.Key, $"Keys in {where} must be plain names, not {Describe(entry.Key)}.");
            }
            else if (allowedKeys != null && !allowedKeys.Contains(key.Value ?? ""))
            {
                diagnostics.Error(WorkflowErrors.WorkflowUnknownKey, key,
                    $"Unknown key '{key.Value}' in {where}. Allowed keys: {string.Join(", ", allowedKeys)}.");
            }
            else
            {
                var pair = new KeyValuePair<YamlScalarNode, YamlNode>(key, entry.Value);
                section.entries[key.Value ?? ""] = pair;
                section.ordered.Add(pair);
            }
        }
        return section;
    }

    /// <summary>The key's node, or null when the key is absent.</summary>
    public YamlScalarNode? KeyNode(string key) => entries.TryGetValue(key, out var entry) ? entry.Key : null;

    /// <summary>The value's node, or null when the key is absent or its value is a YAML null.</summary>
    public YamlNode? Value(string key) => entries.TryGetValue(key, out var entry) && !IsNull(entry.Value) ? entry.Value : null;

    /// <summary>A single value, or null when absent; a list or mapping is reported.</summary>
    public YamlScalarNode? Scalar(string key)
    {
        var value = Value(key);
        if (value == null || value is YamlScalarNode)
        {
            return (YamlScalarNode?)value;
        }
        diagnostics.Error(WorkflowErrors.WorkflowBadValue, value, $"'{key}' in {Where} must be a single value, not {Describe(value)}.");
        return null;
    }

    public string? Text(string key) => Scalar(key)?.Value;

    /// <summary>The text of a single value without reporting anything, for keys another read already checked.</summary>
    public string? RawText(string key) => (Value(key) as YamlScalarNode)?.Value;

    /// <summary>A list of single values; with <paramref name="singleAllowed"/> a lone value counts as a list of one.</summary>
    public IReadOnlyList<YamlScalarNode> List(string key, bool singleAllowed = false)
    {
        var value = Value(key);
        switch (value)
        {
            case null:
                return Array.Empty<YamlScalarNode>();
            case YamlScalarNode single when singleAllowed:
                return new[] { single };
            case YamlSequenceNode sequence:
                var items = new List<YamlScalarNode>();
                foreach (var item in sequence.Children)
                {
                    if (item is YamlScalarNode scalar)
                    {
                        items.Add(scalar);
                    }
                    else
                    {
                        diagnostics.Error(WorkflowErrors.WorkflowBadValue, item, $"Items of '{key}' in {Where} must be single values, not {Describe(item)}.");
                    }
                }
                return items;
            default:
                diagnostics.Error(WorkflowErrors.WorkflowBadValue, value, $"'{key}' in {Where} must be a list, like [a, b], not {Describe(value)}.");
                return Array.Empty<YamlScalarNode>();
        }
    }

    /// <summary>A mapping of names to single values, such as <c>environment</c>.</summary>
    public IReadOnlyDictionary<string, string> Map(string key)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var section = Open(Value(key), $"'{key}' of {Where}", null, diagnostics);
        foreach (var entry in section?.Entries ?? Array.Empty<KeyValuePair<YamlScalarNode, YamlNode>>())
        {
            if (entry.Value is YamlScalarNode value)
            {
                map[entry.Key.Value ?? ""] = IsNull(value) ? "" : value.Value ?? "";
            }
            else
            {
                diagnostics.Error(WorkflowErrors.WorkflowBadValue, entry.Value,
                    $"'{entry.Key.Value}' in '{key}' of {Where} must be a single value, not {Describe(entry.Value)}.");
            }
        }
        return map;
    }

    /// <summary>A nested mapping with its own allowed keys; null when absent or not a mapping (reported).</summary>
    public YamlSection? Section(string key, string where, IReadOnlyCollection<string>? allowedKeys) =>
        Open(Value(key), where, allowedKeys, diagnostics);

    /// <summary>A plain <c>~</c>, <c>null</c> or nothing at all, which YAML reads as null.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain } scalar
        && scalar.Tag.IsEmpty
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The YAML shape of a node in words, for messages.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar => $"the value '{scalar.Value}'",
        _ => "an unknown node",
    };

    private static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
}
