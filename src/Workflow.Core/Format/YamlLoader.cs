using System;
using System.Collections.Generic;
using System.IO;
using Workflow.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>Loads workflow.yml text into YamlDotNet's node model, which keeps a line and column on every node.</summary>
internal static class YamlLoader
{
    /// <summary>The root mapping, or null (with a diagnostic) if the text is not YAML or its root is not a mapping.</summary>
    public static YamlMappingNode? LoadRoot(string text, DiagnosticList diagnostics)
    {
        var scanner = new Scanner(new StringReader(text));
        var parser = new TrackingParser(new Parser(scanner));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (SyntaxErrorException e)
        {
            var (at, message) = ScannerError(e, scanner.CurrentPosition);
            diagnostics.Error(WorkflowErrors.WorkflowYamlMalformed, at, message);
            return null;
        }
        catch (AnchorNotFoundException e)
        {
            // Aliases are resolved once the whole file is read, so the error has no mark (1:1).
            diagnostics.Error(WorkflowErrors.WorkflowYamlMalformed, parser.UnknownAlias ?? e.Start,
                $"The file is not valid YAML: {e.Message}. Define the anchor (&name) before its alias (*name), or quote a value that starts with '*'.");
            return null;
        }
        catch (YamlException e)
        {
            diagnostics.Error(WorkflowErrors.WorkflowYamlMalformed, e.Start, $"The file is not valid YAML: {e.Message}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some malformed flow collections, with neither a mark
            // nor a useful message: point at the last event it read.
            diagnostics.Error(WorkflowErrors.WorkflowYamlMalformed, parser.LastMark,
                "The file is not valid YAML after this point. Look for an unclosed [ or { or quote.");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            diagnostics.Error(WorkflowErrors.WorkflowRootNotMapping, 1, 1,
                "The file is empty. A workflow.yml is a mapping with at least name, version and steps.");
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            diagnostics.Error(WorkflowErrors.WorkflowYamlMalformed, stream.Documents[1].RootNode,
                "The file holds several YAML documents ('---'). Keep one workflow per workflow.yml.");
        }
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode mapping)
        {
            diagnostics.Error(WorkflowErrors.WorkflowRootNotMapping, root,
                $"The file's top level is {YamlSection.Describe(root)}, not a mapping. Start it with name:, version: and steps:.");
            return null;
        }
        return mapping;
    }

    /// <summary>
    /// Where a scanner error is: where the scanner stopped (a tab used as indentation on line 4 is on
    /// line 4, though YamlDotNet marks it at the mapping's start). The construct it was scanning is
    /// named in the message when it began elsewhere; at the end of the file, where the construct began
    /// is the place to look (an unclosed quote), so that is the position.
    /// </summary>
    private static (Mark At, string Message) ScannerError(SyntaxErrorException e, Mark stopped)
    {
        var atEnd = e.Message.IndexOf("end of stream", StringComparison.OrdinalIgnoreCase) >= 0;
        var at = atEnd || stopped.Line <= e.Start.Line ? e.Start : stopped;
        var message = $"The file is not valid YAML: {e.Message}";
        if (atEnd)
        {
            message += $" It reached the end of the file (line {stopped.Line}): close what begins here.";
        }
        else if (at.Line != e.Start.Line && !(e.Start.Line == 1 && e.Start.Column == 1))
        {
            message += $" (scanning from line {e.Start.Line}, column {e.Start.Column})";
        }
        if (e.Message.IndexOf("tab", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            message += " YAML indents with spaces only: replace the tab with spaces.";
        }
        return (at, message);
    }

    /// <summary>Remembers where the last parsing event was, for errors that carry no position.</summary>
    private sealed class TrackingParser : IParser
    {
        private readonly IParser inner;

        public TrackingParser(IParser inner) => this.inner = inner;

        private readonly HashSet<string> anchors = new(StringComparer.Ordinal);

        public Mark LastMark { get; private set; } = new(0, 1, 1);

        /// <summary>The first alias read before any anchor of its name.</summary>
        public Mark? UnknownAlias { get; private set; }

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current != null)
            {
                LastMark = inner.Current.End;
                if (inner.Current is NodeEvent { Anchor.IsEmpty: false } node) anchors.Add(node.Anchor.Value);
                if (inner.Current is AnchorAlias alias && UnknownAlias == null && !anchors.Contains(alias.Value.Value)) UnknownAlias = alias.Start;
            }
            return moved;
        }
    }
}
