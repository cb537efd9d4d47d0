using System.Collections.Generic;
using System.Linq;
using Workflow.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Workflow.Format;

/// <summary>The errors found while reading one workflow.yml; reading goes on after each so all are reported at once.</summary>
internal sealed class DiagnosticList
{
    private readonly List<WorkflowDiagnostic> items = new();

    public DiagnosticList(string file, string source = "")
    {
        File = file;
        Source = source;
    }

    public string File { get; }

    /// <summary>The file's text, for positions inside scalars.</summary>
    public string Source { get; }

    public void Error(ErrorId error, YamlNode node, string message) => Error(error, node.Start, message);

    public void Error(ErrorId error, Mark mark, string message) => Error(error, (int)mark.Line, (int)mark.Column, message);

    public void Error(ErrorId error, int line, int column, string message) => ErrorIn(File, error, line, column, message);

    /// <summary>A finding in another file than workflow.yml: a step's script.</summary>
    public void ErrorIn(string file, ErrorId error, int line, int column, string message) =>
        items.Add(new WorkflowDiagnostic(DiagnosticSeverity.Error, error.Id, message, file, line, column));

    /// <summary>
    /// workflow.yml's diagnostics in file order, then the scripts' by file (a stable sort keeps
    /// same-place findings in the order found).
    /// </summary>
    public IReadOnlyList<WorkflowDiagnostic> InFileOrder() =>
        items.OrderBy(d => d.File == File ? 0 : 1).ThenBy(d => d.File, System.StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Column).ToArray();
}
