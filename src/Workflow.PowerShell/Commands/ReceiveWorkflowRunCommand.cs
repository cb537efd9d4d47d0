using System;
using System.Management.Automation;

namespace Workflow.PowerShell.Commands;

/// <summary>Emits a finished run's output: the workflow's 'output' expression, or its last steps' outputs.</summary>
[Cmdlet(VerbsCommunications.Receive, "WorkflowRun")]
[OutputType(typeof(PSObject))]
public sealed class ReceiveWorkflowRunCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [RunIdTransformation]
    public string[] RunId { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        foreach (var id in RunId)
        {
            ForItem(() =>
            {
                var output = WaitFor(token => Engine.ReceiveAsync(id, token));
                WriteObject(output == null ? null : PSJson.FromJson(output.ToJsonString()), enumerateCollection: true);
            });
        }
    }
}
