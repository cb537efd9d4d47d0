using System;

namespace Workflow.Bench.Placement.Caribou;

/// <summary>A plan's figures as Caribou's deployment metrics dict holds them: average_* and tail_* of carbon (g), runtime (s) and cost (USD).</summary>
internal sealed record CaribouMetrics(
    double AverageCarbon, double AverageRuntime, double AverageCost,
    double TailCarbon, double TailRuntime, double TailCost)
{
    /// <summary><c>metrics[f"average_{name}"]</c>.</summary>
    public double Average(string name) => name switch
    {
        "carbon" => AverageCarbon,
        "runtime" => AverageRuntime,
        "cost" => AverageCost,
        _ => throw new ArgumentException($"No metric '{name}' (carbon, runtime, cost).", nameof(name)),
    };

    /// <summary><c>metrics[f"tail_{name}"]</c>.</summary>
    public double Tail(string name) => name switch
    {
        "carbon" => TailCarbon,
        "runtime" => TailRuntime,
        "cost" => TailCost,
        _ => throw new ArgumentException($"No metric '{name}' (carbon, runtime, cost).", nameof(name)),
    };
}
