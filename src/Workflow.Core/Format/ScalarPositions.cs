using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>
/// Maps a position inside a scalar's value back to the file. The value is what YAML made of the
/// source: quotes removed, escapes decoded ('' and \" and \u00e9), lines folded and indentation
/// dropped. Walking the two side by side finds where each value character came from.
/// </summary>
internal static class ScalarPositions
{
    /// <summary>
    /// The file line and column of the 1-based <paramref name="column"/> of the scalar's value (one
    /// past its end for "unexpected end"); the scalar's own start when the source cannot be followed.
    /// </summary>
    public static (int Line, int Column) Locate(string source, YamlScalarNode node, int column)
    {
        var value = node.Value ?? "";
        var target = column - 1;
        var end = (int)System.Math.Min(node.End.Index, source.Length);
        var at = Follow(source, (int)node.Start.Index, end, value, node.Style, target);
        return at is { } index ? Position(source, index) : ((int)node.Start.Line, (int)node.Start.Column);
    }

    private static int? Follow(string source, int s, int end, string value, ScalarStyle style, int target)
    {
        if (target < 0 || target > value.Length) return null;
        if (style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted)
        {
            s++; // the opening quote
        }
        else if (style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            // The header (| or > and its indicators) ends its line; the content starts on the next.
            while (s < end && source[s] != '\n') s++;
            s++;
        }
        var v = 0;
        var afterLast = s;
        while (s < end && v < value.Length)
        {
            var sc = source[s];
            var vc = value[v];
            if (style == ScalarStyle.DoubleQuoted && sc == '\\' && s + 1 < end)
            {
                var next = source[s + 1];
                if (next is '\n' or '\r')
                {
                    s += 2; // an escaped line break joins the lines: no value character
                    continue;
                }
                if (v == target) return s;
                s += next switch { 'x' => 4, 'u' => 6, 'U' => 10, _ => 2 };
                v++;
                afterLast = s;
                continue;
            }
            if (style == ScalarStyle.SingleQuoted && sc == '\'' && vc == '\'' && s + 1 < end && source[s + 1] == '\'')
            {
                if (v == target) return s;
                s += 2;
                v++;
                afterLast = s;
                continue;
            }
            if (sc == vc && sc is not ('\n' or '\r'))
            {
                if (v == target) return s;
                s++;
                v++;
                afterLast = s;
                continue;
            }
            // Folding and indentation: whitespace in the source that the value does not have, or a
            // line break the value holds as a space or a newline.
            if (sc is ' ' or '\t' or '\n' or '\r')
            {
                s++;
                continue;
            }
            if (vc is ' ' or '\n')
            {
                if (v == target) return s;
                v++;
                continue;
            }
            return null; // the source does not follow the value: an escape or style not handled here
        }
        return v == target && v == value.Length ? afterLast : null;
    }

    private static (int Line, int Column) Position(string source, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index && i < source.Length; i++)
        {
            if (source[i] == '\n' || (source[i] == '\r' && (i + 1 >= source.Length || source[i + 1] != '\n')))
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, index - lineStart + 1);
    }
}
