using System;

namespace Workflow.Model;

/// <summary>A task that no worker could finish, as the dead-letter queue holds it.</summary>
public sealed record DeadLetter
{
    public string WorkflowId { get; init; } = "";
    public string Region { get; init; } = "";
    public string RunId { get; init; } = "";
    public string Step { get; init; } = "";
    public int? Item { get; init; }
    /// <summary>Times the task was delivered before it died.</summary>
    public int Receives { get; init; }
    /// <summary>Why it died: the last error, or why the message could not be read.</summary>
    public string Reason { get; init; } = "";
    public DateTimeOffset? DeadSince { get; init; }
    public string MessageId { get; init; } = "";
    /// <summary>The message body as it was sent (for a malformed message, what is there).</summary>
    public string Body { get; init; } = "";
}
