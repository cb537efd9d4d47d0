using Workflow.Model;

namespace Workflow.Format;

/// <summary>
/// A workflow expression that cannot be parsed (ErrorId <c>BadExpression</c>) or evaluated
/// (<c>ExpressionEvaluationFailed</c>), with the column of the offending part.
/// </summary>
public sealed class ExpressionException : WorkflowException
{
    public ExpressionException(ErrorId error, string message, string expression, int column, string? reason = null)
        : base(error, message, expression)
    {
        Expression = expression;
        Column = column;
        Reason = reason ?? message;
    }

    /// <summary>The message without the column inside the expression: for a diagnostic, whose own column is the file's.</summary>
    public string Reason { get; }

    /// <summary>The expression text.</summary>
    public string Expression { get; }

    /// <summary>1-based position within <see cref="Expression"/> (counting characters from its start) of the offending part.</summary>
    public int Column { get; }
}
