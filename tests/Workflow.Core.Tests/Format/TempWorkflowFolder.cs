using System;
using System.IO;

namespace Workflow.Tests.Format;

/// <summary>A workflow folder in the temp directory, deleted on dispose.</summary>
internal sealed class TempWorkflowFolder : IDisposable
{
    public TempWorkflowFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wf-format-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string WorkflowFile => System.IO.Path.Combine(Path, "workflow.yml");

    /// <summary>Writes a file under the folder (creating its directories) and returns its full path.</summary>
    public string Write(string relativePath, string content)
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
