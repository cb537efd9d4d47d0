using Workflow.Model;

namespace Workflow.Distributed;

/// <summary>What became of a task a remote worker handled.</summary>
public enum TaskDisposition
{
    /// <summary>The step ran; its result is written and its successors enqueued.</summary>
    Ran,
    /// <summary>The result was already written (a redelivery): the step did not run again.</summary>
    AlreadyDone,
    /// <summary>The run had failed or been stopped: the step was cancelled, not run.</summary>
    Cancelled,
    /// <summary>Another message of this task holds it: this one is a duplicate, deleted unrun.</summary>
    Duplicate,
    /// <summary>The worker is stopping: the task goes back to the queue.</summary>
    Released,
    /// <summary>The task is not one this deployment can run: sent to the dead-letter queue.</summary>
    DeadLettered,
    /// <summary>
    /// The step failed every attempt of its retry policy: the message goes back to the queue to be
    /// delivered again, and to the dead-letter queue on its last delivery. The run waits; nothing is
    /// marked Failed that a redrive could still finish.
    /// </summary>
    StepFailed,
}

/// <summary>The outcome of one handled task, for the worker's counts and its verbose lines.</summary>
public sealed record HandledTask(TaskDisposition Disposition, StepState? State, int Attempt, string? Reason);
