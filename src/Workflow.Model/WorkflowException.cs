using System;

namespace Workflow.Model;

/// <summary>
/// Why a failure happened, in the words of PowerShell's ErrorCategory (same names), so the cmdlet
/// layer maps it without Core knowing PowerShell.
/// </summary>
public enum FailureKind
{
    InvalidArgument,
    InvalidData,
    InvalidResult,
    ObjectNotFound,
    ResourceExists,
    InvalidOperation,
    PermissionDenied,
    ReadError,
    WriteError,
    OperationTimeout,
    OperationStopped,
    ConnectionError,
    NotImplemented,
}

/// <summary>A failure a user can cause or meet, with a stable ErrorId and a message naming the thing and the fix.</summary>
public class WorkflowException : Exception
{
    public WorkflowException(string errorId, FailureKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public FailureKind Kind { get; }
    /// <summary>The object the failure is about (an id, a path), for the ErrorRecord's TargetObject.</summary>
    public object? Target { get; }
}
