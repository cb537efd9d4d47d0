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

    public DiagnosticList(string file) => File = file;

    public string File { get; }

    public void Error(string errorId, YamlNode node, string message) => Error(errorId, node.Start, message);

    public void Error(string errorId, Mark mark, string message) => Error(errorId, (int)mark.Line, (int)mark.Column, message);

    public void Error(string errorId, int line, int column, string message) =>
        items.Add(new WorkflowDiagnostic(DiagnosticSeverity.Error, errorId, message, File, line, column));

    /// <summary>The diagnostics in file order (a stable sort keeps same-place findings in the order found).</summary>
    public IReadOnlyList<WorkflowDiagnostic> InFileOrder() =>
        items.OrderBy(d => d.Line).ThenBy(d => d.Column).ToArray();
}
