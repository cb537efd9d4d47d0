using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace Workflow.PowerShell;

/// <summary>
/// Lets a run object stand for its id in a -RunId argument (<c>Wait-WorkflowRun $run</c>), as the
/// pipeline already does by property name: without it PowerShell turns the object into its display
/// text ("id workflow state"), which names no run. Anything with a RunId property counts (runs,
/// step runs, log records, dead letters); other values pass through unchanged.
/// </summary>
public sealed class RunIdTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string || value == null) return inputData;
        if (value is IEnumerable items)
        {
            var ids = new List<object?>();
            foreach (var item in items) ids.Add(IdOf(item));
            return ids.ToArray();
        }
        return IdOf(inputData);
    }

    private static object? IdOf(object? item)
    {
        if (item == null || (item is PSObject { BaseObject: string }) || item is string) return item;
        var id = PSObject.AsPSObject(item).Properties["RunId"]?.Value;
        return id is string { Length: > 0 } text ? text : item;
    }
}
