using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Format;

/// <summary>
/// What reading a workflow.yml gave: the definition (null only when the file is missing, is not YAML,
/// or is not a mapping) and every diagnostic found, in file order.
/// </summary>
public sealed record WorkflowLoadResult(WorkflowDefinition? Definition, IReadOnlyList<WorkflowDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>
    /// The definition if there are no errors; otherwise throws a <see cref="WorkflowException"/> with the
    /// first error's ErrorId and every error as a <c>file:line:col: message</c> line.
    /// </summary>
    public WorkflowDefinition EnsureValid()
    {
        var errors = Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        if (errors.Length > 0)
        {
            var lines = errors.Select(e => $"{e.File}:{e.Line}:{e.Column}: {e.Message}");
            // A diagnostic keeps its id as text (what Test-Workflow shows); the catalog gives back its entry.
            var error = WorkflowErrors.Find(errors[0].ErrorId)
                ?? throw new InvalidOperationException($"The diagnostic id '{errors[0].ErrorId}' is not in WorkflowErrors.");
            throw new WorkflowException(error, string.Join(Environment.NewLine, lines), errors[0].File);
        }
        return Definition ?? throw new InvalidOperationException("A load result without errors has a definition.");
    }
}
