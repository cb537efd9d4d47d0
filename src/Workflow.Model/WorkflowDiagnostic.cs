namespace Workflow.Model;

public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>One finding of <c>Test-Workflow</c>: what is wrong, where, and a stable id to match on.</summary>
public sealed record WorkflowDiagnostic(
    DiagnosticSeverity Severity,
    string ErrorId,
    string Message,
    string File,
    int Line,
    int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {ErrorId}: {Message}";
}
