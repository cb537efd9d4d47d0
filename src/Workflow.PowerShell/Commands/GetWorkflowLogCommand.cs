using System;
using System.Linq;
using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Emits the log lines of runs: each with time, run, step, item, attempt, stream and message.</summary>
[Cmdlet(VerbsCommon.Get, "WorkflowLog")]
[OutputType(typeof(WorkflowLogRecord))]
public sealed class GetWorkflowLogCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [RunIdTransformation]
    public string[] RunId { get; set; } = Array.Empty<string>();

    /// <summary>Only this step's lines.</summary>
    [Parameter]
    public string? Step { get; set; }

    /// <summary>Only lines of these streams: a PowerShell step's Error, Warning, Verbose, Information, Debug; a command step's stderr.</summary>
    [Parameter]
    [ValidateSet("Error", "Warning", "Verbose", "Information", "Debug", "stderr", IgnoreCase = true)]
    public string[]? Stream { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in RunId)
        {
            ForItem(() =>
            {
                var lines = WaitFor(token => Engine.GetLogsAsync(id, Step, token))
                    .Where(l => Stream == null || Stream.Contains(l.Stream, StringComparer.OrdinalIgnoreCase));
                WriteObject(lines, enumerateCollection: true);
            });
        }
    }
}
