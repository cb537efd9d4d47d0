using System;
using System.IO;
using Microsoft.Data.Sqlite;
using Workflow.Model;

namespace Workflow.Store;

/// <summary>The failures of the SQLite store a user can meet, each with its ErrorId and fix.</summary>
internal static class SqliteStoreErrors
{
    // Primary result codes (https://sqlite.org/rescode.html); extended codes carry them in the low byte.
    private const int Perm = 3;
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Auth = 23;
    private const int NotADatabase = 26;

    private const string Fix = "or set $env:WORKFLOW_HOME to another folder";

    public static bool IsBusy(SqliteException e) => (e.SqliteErrorCode & 0xFF) is Busy or Locked;

    public static bool IsConstraint(SqliteException e) => (e.SqliteErrorCode & 0xFF) == 19;

    /// <summary>The WorkflowException for a SQLite failure, or null when it is none a user can act on.</summary>
    public static WorkflowException? Translate(SqliteException e, string path) =>
        (e.SqliteErrorCode & 0xFF) switch
        {
            NotADatabase or Corrupt => StoreCorrupt(path, e),
            ReadOnly or CantOpen or Perm or Auth => StoreReadOnly(path, e),
            Busy or Locked => new WorkflowException(
                WorkflowErrors.WorkflowStoreBusy,
                $"The workflow store '{path}' stayed locked by another session ({Reason(e)}). Try again, or stop the session that holds it.",
                path, e),
            Full => new WorkflowException(
                WorkflowErrors.WorkflowStoreFull,
                $"The workflow store '{path}' cannot grow: the disk is full ({Reason(e)}). Free some space, {Fix}.",
                path, e),
            _ => null,
        };

    public static WorkflowException StoreCorrupt(string path, Exception inner) => new(
        WorkflowErrors.WorkflowStoreCorrupt,
        $"The workflow store '{path}' is not a SQLite database or is damaged ({Reason(inner)}). It was left as it is: move it aside, {Fix}.",
        path, inner);

    public static WorkflowException StoreReadOnly(string path, Exception inner) => new(
        WorkflowErrors.WorkflowStoreReadOnly,
        $"The workflow store '{path}' cannot be opened for writing ({Reason(inner)}). Make the file and its folder writable, {Fix}.",
        path, inner);

    public static WorkflowException FolderNotCreated(string path, Exception inner) => new(
        WorkflowErrors.WorkflowStoreReadOnly,
        $"The folder of the workflow store '{path}' cannot be created ({Reason(inner)}). Make its parent writable, {Fix}.",
        path, inner);

    /// <summary>The home, or a folder above it, is a regular file (<paramref name="file"/>).</summary>
    public static WorkflowException HomeIsAFile(string home, string file) => new(
        WorkflowErrors.WorkflowHomeNotAFolder,
        (file == home ? $"The workflow home '{home}' is a file, not a folder." : $"The workflow home '{home}' cannot be a folder: '{file}' is a file.")
        + " Point $env:WORKFLOW_HOME at a folder (it is created if missing), or move the file aside.",
        home);

    public static WorkflowException StoreTooNew(string path, long found, int supported) => new(
        WorkflowErrors.WorkflowStoreTooNew,
        $"The workflow store '{path}' has schema version {found}, written by a newer Workflow.PowerShell; this version reads up to schema version {supported}. Update the module, {Fix}.",
        path);

    public static WorkflowException RunNotFound(string runId) => new(
        WorkflowErrors.WorkflowRunNotFound,
        $"Workflow run '{runId}' was not found. Run Get-WorkflowRun to list runs.",
        runId);

    public static WorkflowException StepNotFound(string runId, string step) => new(
        WorkflowErrors.WorkflowStepNotFound,
        $"Step '{step}' is not a step of workflow run '{runId}'. Run Get-WorkflowRun -RunId {runId} to list its steps.",
        step);

    public static WorkflowException RunExists(string runId) => new(
        WorkflowErrors.WorkflowRunExists,
        $"Workflow run '{runId}' already exists. Give the new run another id.",
        runId);

    // SQLite's messages end with a period; inside parentheses that reads as a stray ".)".
    private static string Reason(Exception e) => e.Message.TrimEnd('.');

    public static bool IsFolderFailure(Exception e) => e is IOException or UnauthorizedAccessException or NotSupportedException;
}
