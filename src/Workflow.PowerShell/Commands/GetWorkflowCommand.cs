using System.Linq;
using System.Management.Automation;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Lists published workflows, all or by id (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "Workflow")]
[OutputType(typeof(WorkflowInfo))]
public sealed class GetWorkflowCommand : WorkflowCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    [SupportsWildcards]
    public string[]? WorkflowId { get; set; }

    protected override void ProcessRecord()
    {
        var all = Engine.Catalog.List();
        if (WorkflowId == null)
        {
            WriteObject(all, enumerateCollection: true);
            return;
        }
        foreach (var id in WorkflowId)
        {
            var pattern = new WildcardPattern(id, WildcardOptions.IgnoreCase);
            var found = all.Where(w => pattern.IsMatch(w.WorkflowId)).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(id))
            {
                WriteError(ToErrorRecord(WorkflowCatalog.NotFound(id)));
            }
            WriteObject(found, enumerateCollection: true);
        }
    }
}
