using System;
using Workflow.Model;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>An expression read from workflow.yml, with the node it came from to place diagnostics inside it.</summary>
internal sealed record ExpressionSource(string Key, YamlScalarNode Node, WorkflowExpression Expression, string Source)
{
    /// <summary>The file position of a 1-based column inside the expression, whatever the scalar's style.</summary>
    public (int Line, int Column) Locate(int column) => ScalarPositions.Locate(Source, Node, column);
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
            diagnostics.Error(WorkflowErrors.BadExpression, node,
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
            // The diagnostic's own column is the file's; the expression's column would only confuse.
            var (line, column) = ScalarPositions.Locate(diagnostics.Source, node, e.Column);
            diagnostics.Error(WorkflowErrors.BadExpression, line, column, $"'{key}' in {section.Where}: {e.Reason}");
            return null;
        }

        var source = new ExpressionSource(key, node, expression, diagnostics.Source);
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
            diagnostics.Error(WorkflowErrors.ExpressionBadRoot, line, column, reason);
        }
        return source;
    }
}
