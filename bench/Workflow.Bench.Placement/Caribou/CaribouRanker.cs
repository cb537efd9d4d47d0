using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Bench.Placement.Caribou;

/// <summary>
/// Port of Caribou's <c>deployment_solver/ranker/ranker.py</c>: soft constraints count violations of
/// the means (fewest first), then the priority order sorts by the means. The sort compares floats
/// exactly, as Python's tuple sort does, so a later priority decides only on an exact tie: in practice
/// only the first priority ever does (DESIGN §7's slip, copied).
/// </summary>
internal sealed class CaribouRanker
{
    private readonly ConstraintSpec _constraints;
    private CaribouMetrics? _home;

    public CaribouRanker(ConstraintSpec constraints)
    {
        _constraints = constraints;
        // ranker.py _get_number_one_priority: "average_carbon" unless priority_order says otherwise.
        NumberOnePriority = constraints.Priority.Count > 0 ? constraints.Priority[0] : "carbon";
    }

    public string NumberOnePriority { get; }

    public void UpdateHomeDeploymentMetrics(CaribouMetrics home) => _home = home;

    public List<(int[] Deployment, CaribouMetrics Metrics)> Rank(List<(int[] Deployment, CaribouMetrics Metrics)> results)
    {
        if (_constraints.Soft.Count == 0) return RankWithPriorityOrder(results);
        // ranker.py _rank_with_soft_resource_constraints: group by violation count, groups in ascending order.
        return results
            .GroupBy(ViolatedSoftConstraints)
            .OrderBy(group => group.Key)
            .SelectMany(group => RankWithPriorityOrder(group.ToList()))
            .ToList();
    }

    private List<(int[] Deployment, CaribouMetrics Metrics)> RankWithPriorityOrder(List<(int[] Deployment, CaribouMetrics Metrics)> results)
    {
        // ranker.py _rank_with_priority_order: (carbon, runtime, cost) by default. LINQ's OrderBy is
        // stable like Python's sorted, and double comparison is exact like Python's.
        IReadOnlyList<string> order = _constraints.Priority.Count > 0 ? _constraints.Priority : new[] { "carbon", "runtime", "cost" };
        IOrderedEnumerable<(int[] Deployment, CaribouMetrics Metrics)> sorted = results.OrderBy(r => r.Metrics.Average(order[0]));
        for (var i = 1; i < order.Count; i++)
        {
            var name = order[i];
            sorted = sorted.ThenBy(r => r.Metrics.Average(name));
        }
        return sorted.ToList();
    }

    private int ViolatedSoftConstraints((int[] Deployment, CaribouMetrics Metrics) result)
    {
        // ranker.py _get_number_of_violated_constraints: relative limits against the home plan's means;
        // without home metrics nothing counts.
        if (_home is null) return 0;
        var count = 0;
        foreach (var pair in _constraints.Soft)
        {
            if (IsAbsoluteOrRelativeFailed(result.Metrics.Average(pair.Key), pair.Value, _home.Average(pair.Key))) count++;
        }
        return count;
    }

    /// <summary>ranker.py is_absolute_or_relative_failed: relative values are percent of the home figure (120 = 20% worse at most).</summary>
    public static bool IsAbsoluteOrRelativeFailed(double value, Constraint constraint, double relativeTo) => constraint.Type switch
    {
        "absolute" => value > constraint.Value,
        "relative" => value > constraint.Value * (relativeTo / 100),
        _ => false,
    };

    /// <summary>deployment_algorithm.py _is_hard_constraint_failed: hard constraints bind the tails, relative to the home plan's tails.</summary>
    public bool IsHardConstraintFailed(CaribouMetrics metrics, CaribouMetrics home)
    {
        foreach (var pair in _constraints.Hard)
        {
            if (IsAbsoluteOrRelativeFailed(metrics.Tail(pair.Key), pair.Value, home.Tail(pair.Key))) return true;
        }
        return false;
    }
}
