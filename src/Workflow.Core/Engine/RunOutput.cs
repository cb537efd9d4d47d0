using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>
/// What Receive-WorkflowRun gives for a run that succeeded: the workflow's <c>output</c> expression
/// over the run's input and step outputs; without one, the output of its one last step (a step no
/// other needs), or an object of its last steps' outputs by name.
/// </summary>
internal static class RunOutput
{
    public static JsonNode? Of(WorkflowDefinition definition, JsonNode? input, IReadOnlyDictionary<string, JsonNode?> outputs)
    {
        if (definition.Output != null)
        {
            return WorkflowExpression.Parse(definition.Output).Evaluate(new ExpressionScope { Input = input, StepOutputs = outputs });
        }
        var needed = new HashSet<string>(definition.Steps.SelectMany(s => s.Needs));
        var last = definition.Steps.Where(s => !needed.Contains(s.Name) && outputs.ContainsKey(s.Name)).ToList();
        if (last.Count == 1) return outputs[last[0].Name];
        var result = new JsonObject();
        foreach (var step in last) result[step.Name] = outputs[step.Name]?.DeepClone();
        return result;
    }
}
