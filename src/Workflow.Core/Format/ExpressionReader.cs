using System;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>An expression read from workflow.yml, with the node it came from to place diagnostics inside it.</summary>
internal sealed record ExpressionSource(string Key, YamlScalarNode Node, WorkflowExpression Expression)
{
    /// <summary>
    /// The file position of a 1-based column inside the expression. Exact when the scalar sits on one line
    /// and has no escapes (its source length matches its value); otherwise the start of the scalar.
    /// </summary>
    public (int Line, int Column) Locate(int column) => ExpressionReader.Locate(Node, column);
}

/// <summary>Reads the <c>if</c>, <c>foreach</c> and <c>output</c> expressions and checks the names they read.</summary>
internal sealed class ExpressionReader
{
    private readonly DiagnosticList diagnostics;

    public ExpressionReader(DiagnosticList diagnostics) => this.diagnostics = diagnostics;

    /// <summary>
    /// Parses the expression under <paramref name="key"/>; null when absent or not valid (reported as
    /// <c>BadExpression</c> at the offending column). <paramref name="itemAllowed"/> says whether <c>item</c> may be read.
    /// </summary>
    public ExpressionSource? Read(YamlSection section, string key, bool itemAllowed)
    {
        var node = section.Scalar(key);
        if (node == null)
        {
            return null;
        }
        // YAML reads a leading '!' as a tag, leaving an empty value: say so rather than "empty expression".
        if (!node.Tag.IsEmpty && node.Tag.Value.StartsWith("!", StringComparison.Ordinal) && !node.Tag.Value.StartsWith("!!", StringComparison.Ordinal))
        {
            diagnostics.Error(WorkflowErrorIds.BadExpression, node,
                $"'{key}' in {section.Where} starts with '!', which YAML reads as a tag. Quote the expression: {key}: '{node.Tag.Value} ...'.");
            return null;
        }

        var text = node.Value ?? "";
        WorkflowExpression expression;
        try
        {
            expression = WorkflowExpression.Parse(text);
        }
        catch (ExpressionException e)
        {
            var (line, column) = Locate(node, e.Column);
            diagnostics.Error(WorkflowErrorIds.BadExpression, line, column, $"'{key}' in {section.Where}: {e.Message}");
            return null;
        }

        var source = new ExpressionSource(key, node, expression);
        foreach (var root in expression.RootNames)
        {
            if (root.Name is "input" or ExpressionSyntax.StepsRoot || (root.Name == "item" && itemAllowed))
            {
                continue;
            }
            var (line, column) = source.Locate(root.Column);
            var reason = root.Name == "item"
                ? $"'{key}' in {section.Where} reads 'item', which is only set for the steps of a foreach."
                : $"'{key}' in {section.Where} reads '{root.Name}', which is not known. Expressions read input, steps.<name>.output and item.";
            diagnostics.Error(WorkflowErrorIds.ExpressionBadRoot, line, column, reason);
        }
        return source;
    }

    internal static (int Line, int Column) Locate(YamlScalarNode node, int column)
    {
        var start = node.Start;
        var end = node.End;
        var length = (node.Value ?? "").Length;
        var quotes = node.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
        var exact = start.Line == end.Line
            && node.Style is ScalarStyle.Plain or ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
            && end.Column - start.Column == length + 2 * quotes;
        return exact
            ? ((int)start.Line, (int)start.Column + quotes + column - 1)
            : ((int)start.Line, (int)start.Column);
    }
}
