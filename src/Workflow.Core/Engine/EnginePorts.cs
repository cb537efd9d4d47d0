using System.Collections.Generic;
using System.IO;
using Workflow.Blobs;
using Workflow.Distributed;
using Workflow.Executors;
using Workflow.Queue;
using Workflow.Store;

namespace Workflow.Engine;

/// <summary>
/// The parts an engine is made of, chosen by whoever composes it (the module's ModuleState; a test
/// its own): the run store, the local blob folder (packages and artifacts are files steps read and
/// write, so it is a folder), the task queue its workers lease from, the step executors, and the
/// regions it can carry runs on in. The engine owns the store and the queue: it disposes them when it closes.
/// </summary>
public sealed record EnginePorts(string Home, IRunStore Store, FolderBlobStore Blobs, ITaskQueue Queue, IReadOnlyList<IStepExecutor> Executors)
{
    /// <summary>The regions beyond this session (none: every run is local).</summary>
    public IRegionProvider Regions { get; init; } = NoRegions.Instance;

    /// <summary>
    /// The local parts of a workflow home: its SQLite store file, its blob folder, an in-process
    /// queue. A store that cannot be opened is a WorkflowException (corrupt, newer, read-only…).
    /// </summary>
    public static EnginePorts ForHome(string home, IReadOnlyList<IStepExecutor> executors)
    {
        home = Path.GetFullPath(home);
        var store = SqliteRunStore.Open(WorkflowHome.StorePath(home));
        return new EnginePorts(home, store, new FolderBlobStore(Path.Combine(home, "blobs")), new InProcessTaskQueue(), executors);
    }
}
