using System;
using System.IO;
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
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            diagnostics.Error(WorkflowErrorIds.YamlMalformed, e.Start, $"The file is not valid YAML: {e.Message}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some malformed flow collections, with neither a mark
            // nor a useful message: point at the last event it read.
            diagnostics.Error(WorkflowErrorIds.YamlMalformed, parser.LastMark,
                "The file is not valid YAML after this point. Look for an unclosed [ or { or quote.");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            diagnostics.Error(WorkflowErrorIds.RootNotMapping, 1, 1,
                "The file is empty. A workflow.yml is a mapping with at least name, version and steps.");
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            diagnostics.Error(WorkflowErrorIds.YamlMalformed, stream.Documents[1].RootNode,
                "The file holds several YAML documents ('---'). Keep one workflow per workflow.yml.");
        }
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode mapping)
        {
            diagnostics.Error(WorkflowErrorIds.RootNotMapping, root,
                $"The file's top level is {YamlSection.Describe(root)}, not a mapping. Start it with name:, version: and steps:.");
            return null;
        }
        return mapping;
    }

    /// <summary>Remembers where the last parsing event was, for errors that carry no position.</summary>
    private sealed class TrackingParser : IParser
    {
        private readonly IParser inner;

        public TrackingParser(IParser inner) => this.inner = inner;

        public Mark LastMark { get; private set; } = new(0, 1, 1);

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current != null)
            {
                LastMark = inner.Current.End;
            }
            return moved;
        }
    }
}
