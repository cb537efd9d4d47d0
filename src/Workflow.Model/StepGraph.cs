using System;
using System.Collections.Generic;

namespace Workflow.Model;

/// <summary>Walks of the needs graph that validation and remote runs share.</summary>
public static class StepGraph
{
    /// <summary>
    /// Every step <paramref name="step"/> needs, directly or through other needs.
    /// <paramref name="needsOf"/> gives a step's needs: all of them in a valid workflow, the known
    /// ones while it is being validated.
    /// </summary>
    public static HashSet<string> Upstream(string step, Func<string, IEnumerable<string>> needsOf)
    {
        var upstream = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(needsOf(step));
        while (pending.Count > 0)
        {
            var need = pending.Pop();
            if (!upstream.Add(need)) continue;
            foreach (var further in needsOf(need)) pending.Push(further);
        }
        return upstream;
    }
}
