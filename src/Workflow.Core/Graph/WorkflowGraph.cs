using System.Collections.Generic;
using System.Text;
using Workflow.Model;

namespace Workflow.Graph;

public enum GraphFormat
{
    Mermaid,
    Dot,
}

/// <summary>A workflow's DAG as Mermaid or Graphviz DOT text; with step states, steps are coloured by state.</summary>
public static class WorkflowGraph
{
    public static string Render(WorkflowDefinition workflow, GraphFormat format, IReadOnlyDictionary<string, StepState>? states = null) =>
        format == GraphFormat.Mermaid ? Mermaid(workflow, states) : Dot(workflow, states);

    private static string Mermaid(WorkflowDefinition workflow, IReadOnlyDictionary<string, StepState>? states)
    {
        var text = new StringBuilder("flowchart TD\n");
        foreach (var step in workflow.Steps)
        {
            text.Append($"    {Id(step.Name)}[\"{Label(step, states)}\"]\n");
        }
        foreach (var step in workflow.Steps)
        {
            foreach (var need in step.Needs)
            {
                text.Append($"    {Id(need)} --> {Id(step.Name)}\n");
            }
        }
        if (states != null)
        {
            foreach (var pair in Colours)
            {
                text.Append($"    classDef {pair.Key.ToString().ToLowerInvariant()} fill:{pair.Value},stroke:#333\n");
            }
            foreach (var step in workflow.Steps)
            {
                if (states.TryGetValue(step.Name, out var state))
                {
                    text.Append($"    class {Id(step.Name)} {state.ToString().ToLowerInvariant()}\n");
                }
            }
        }
        return text.ToString();
    }

    private static string Dot(WorkflowDefinition workflow, IReadOnlyDictionary<string, StepState>? states)
    {
        var text = new StringBuilder($"digraph \"{workflow.WorkflowId}\" {{\n    rankdir=TB;\n    node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\"];\n");
        foreach (var step in workflow.Steps)
        {
            var fill = states != null && states.TryGetValue(step.Name, out var state) ? $", fillcolor=\"{Colours[state]}\"" : "";
            text.Append($"    \"{step.Name}\" [label=\"{Label(step, states)}\"{fill}];\n");
        }
        foreach (var step in workflow.Steps)
        {
            foreach (var need in step.Needs)
            {
                text.Append($"    \"{need}\" -> \"{step.Name}\";\n");
            }
        }
        return text.Append("}\n").ToString();
    }

    private static readonly Dictionary<StepState, string> Colours = new()
    {
        [StepState.Pending] = "#eeeeee",
        [StepState.Running] = "#87cefa",
        [StepState.Succeeded] = "#90ee90",
        [StepState.Failed] = "#f08080",
        [StepState.Skipped] = "#d3d3d3",
        [StepState.Cancelled] = "#ffd580",
    };

    private static string Label(StepDefinition step, IReadOnlyDictionary<string, StepState>? states)
    {
        var label = step.Name;
        if (step.Foreach != null) label += " (foreach)";
        if (step.If != null) label += " (if)";
        if (states != null && states.TryGetValue(step.Name, out var state)) label += $": {state}";
        return label.Replace("\"", "'");
    }

    // Mermaid ids may not hold '-'.
    private static string Id(string name) => "s_" + name.Replace('-', '_');
}
