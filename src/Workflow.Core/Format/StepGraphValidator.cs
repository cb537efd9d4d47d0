using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Format;

/// <summary>
/// Checks how steps refer to each other: duplicate names, unknown needs, cycles, and the steps an
/// expression reads (a step's if/foreach may read only steps it needs, directly or transitively).
/// </summary>
internal sealed class StepGraphValidator
{
    private readonly DiagnosticList diagnostics;
    private readonly IReadOnlyList<StepSource> steps;
    // The first step of each name, in file order; later duplicates are reported and left out.
    private readonly Dictionary<string, StepSource> byName = new(StringComparer.Ordinal);
    private readonly List<string> order = new();

    private StepGraphValidator(DiagnosticList diagnostics, IReadOnlyList<StepSource> steps)
    {
        this.diagnostics = diagnostics;
        this.steps = steps;
    }

    public static void Validate(IReadOnlyList<StepSource> steps, ExpressionSource? output, DiagnosticList diagnostics)
    {
        var graph = new StepGraphValidator(diagnostics, steps);
        graph.IndexNames();
        graph.CheckNeeds();
        graph.CheckCycles();
        graph.CheckExpressions(output);
    }

    private void IndexNames()
    {
        foreach (var step in steps)
        {
            if (step.NameNode == null)
            {
                continue;
            }
            var name = step.Definition.Name;
            if (byName.TryGetValue(name, out var first))
            {
                diagnostics.Error(WorkflowErrors.StepDuplicate, step.NameNode,
                    $"Step '{name}' is defined twice; the first is on line {first.NameNode!.Start.Line}. Rename one of them.");
                continue;
            }
            byName[name] = step;
            order.Add(name);
        }
    }

    private void CheckNeeds()
    {
        foreach (var name in order)
        {
            foreach (var need in byName[name].NeedNodes)
            {
                if (!byName.ContainsKey(need.Value ?? ""))
                {
                    diagnostics.Error(WorkflowErrors.StepUnknownNeed, need,
                        $"Step '{name}' needs '{need.Value}', which is not a step. Steps: {string.Join(", ", order)}.");
                }
            }
        }
    }

    /// <summary>Needs of a step that are steps (unknown ones are reported by <see cref="CheckNeeds"/>).</summary>
    private IEnumerable<string> KnownNeeds(string name) => byName[name].Definition.Needs.Where(byName.ContainsKey);

    // Depth-first search: each edge back to a step on the current path closes a cycle. Each cycle is
    // reported once, starting from its step that comes first in the file.
    private void CheckCycles()
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in order)
        {
            Visit(name, done, path, reported);
        }
    }

    private void Visit(string name, HashSet<string> done, List<string> path, HashSet<string> reported)
    {
        if (done.Contains(name))
        {
            return;
        }
        path.Add(name);
        foreach (var need in KnownNeeds(name))
        {
            var onPath = path.IndexOf(need);
            if (onPath >= 0)
            {
                ReportCycle(path.Skip(onPath).ToList(), reported);
            }
            else
            {
                Visit(need, done, path, reported);
            }
        }
        path.RemoveAt(path.Count - 1);
        done.Add(name);
    }

    private void ReportCycle(List<string> cycle, HashSet<string> reported)
    {
        var first = cycle.IndexOf(cycle.OrderBy(order.IndexOf).First());
        var rotated = cycle.Skip(first).Concat(cycle.Take(first)).ToList();
        var text = string.Join(" -> ", rotated.Append(rotated[0]));
        if (!reported.Add(text))
        {
            return;
        }
        // Point at the need of the first step that leads into the cycle.
        var next = rotated.Count > 1 ? rotated[1] : rotated[0];
        var at = byName[rotated[0]].NeedNodes.First(n => n.Value == next);
        diagnostics.Error(WorkflowErrors.StepCycle, at,
            $"Steps need each other in a cycle: {text} (each needs the next). Remove one of these needs.");
    }

    private void CheckExpressions(ExpressionSource? output)
    {
        foreach (var name in order)
        {
            var upstream = StepGraph.Upstream(name, KnownNeeds);
            foreach (var expression in byName[name].Expressions)
            {
                foreach (var read in expression.Expression.StepNames)
                {
                    if (!byName.ContainsKey(read.Name))
                    {
                        ReportUnknown(expression, read, $"'{expression.Key}' of step '{name}' reads steps.{read.Name}, which is not a step.");
                    }
                    else if (!upstream.Contains(read.Name))
                    {
                        ReportUnknown(expression, read,
                            $"'{expression.Key}' of step '{name}' reads steps.{read.Name}, but step '{name}' does not need '{read.Name}'. Add {read.Name} to its needs.");
                    }
                }
            }
        }
        foreach (var read in output?.Expression.StepNames ?? Array.Empty<ExpressionName>())
        {
            if (!byName.ContainsKey(read.Name))
            {
                ReportUnknown(output!, read, $"'output' reads steps.{read.Name}, which is not a step. Steps: {string.Join(", ", order)}.");
            }
        }
    }

    private void ReportUnknown(ExpressionSource expression, ExpressionName read, string message)
    {
        var (line, column) = expression.Locate(read.Column);
        diagnostics.Error(WorkflowErrors.ExpressionUnknownStep, line, column, message);
    }
}
