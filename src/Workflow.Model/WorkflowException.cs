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

/// <summary>
/// A failure a user can cause or meet, with a stable ErrorId and a message naming the thing and the fix.
/// The id and its kind come from <see cref="WorkflowErrors"/>, so no id is made up where it is raised.
/// </summary>
public class WorkflowException : Exception
{
    public WorkflowException(ErrorId error, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Error = error ?? throw new ArgumentNullException(nameof(error));
        Target = target;
    }

    /// <summary>The catalog entry: id and kind.</summary>
    public ErrorId Error { get; }
    public string ErrorId => Error.Id;
    public FailureKind Kind => Error.Kind;
    /// <summary>The object the failure is about (an id, a path), for the ErrorRecord's TargetObject.</summary>
    public object? Target { get; }
}
