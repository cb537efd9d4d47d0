using System.Linq;
using System.Management.Automation;
using Workflow.Format;
using Workflow.Graph;

namespace Workflow.PowerShell.Commands;

/// <summary>Draws a workflow's steps and needs as Mermaid or DOT text; for a run, coloured by step state.</summary>
[Cmdlet(VerbsData.Export, "WorkflowGraph", DefaultParameterSetName = "Published")]
[OutputType(typeof(string))]
public sealed class ExportWorkflowGraphCommand : WorkflowCmdlet
{
    [Parameter(Position = 0, ParameterSetName = "Published", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string? WorkflowId { get; set; }

    /// <summary>Colours the steps by their state in this run.</summary>
    [Parameter(ParameterSetName = "Published", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    [RunIdTransformation]
    public string? RunId { get; set; }

    /// <summary>A workflow folder or workflow.yml that need not be published.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    public string Path { get; set; } = "";

    [Parameter]
    public GraphFormat Format { get; set; } = GraphFormat.Mermaid;

    protected override void ProcessRecord() => ForItem(() =>
    {
        if (ParameterSetName == "Path")
        {
            var definition = WorkflowReader.Load(GetUnresolvedProviderPathFromPSPath(Path)).EnsureValid();
            WriteObject(WorkflowGraph.Render(definition, Format));
        }
        else if (RunId != null)
        {
            var run = Engine.GetRun(RunId);
            var states = run.Steps.ToDictionary(s => s.Step, s => s.State);
            WriteObject(WorkflowGraph.Render(Engine.Catalog.Load(run.WorkflowId).Definition, Format, states));
        }
        else if (WorkflowId != null)
        {
            WriteObject(WorkflowGraph.Render(Engine.Catalog.Load(WorkflowId).Definition, Format));
        }
        else
        {
            Fail(new Model.WorkflowException(Model.WorkflowErrors.WorkflowGraphNoSource,
                "Name what to draw: -WorkflowId, -RunId or -Path."));
        }
    });
}
