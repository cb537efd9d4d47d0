using Workflow.Model;

namespace Workflow.Placement;

/// <summary>What a plan is judged on.</summary>
internal enum PlanMetric
{
    Carbon,
    Runtime,
    Cost,
}

/// <summary>
/// One plan in one hour as the ranking sees it. Carbon and cost means are exact sums and cost
/// nothing; the percentiles and the runtime take a pass over the samples, so they are worked out
/// only when the ranking asks (runtime and cost once per plan for all hours, in the evaluator).
/// </summary>
internal sealed class PlanCandidate
{
    private readonly PlanEvaluator _evaluator;
    private PlanFigure? _carbon;
    private int? _soft;
    private bool? _feasible;

    public PlanCandidate(PlanEvaluator evaluator, int[] plan, int hour)
    {
        _evaluator = evaluator;
        Plan = plan;
        Hour = hour;
        CarbonMean = evaluator.CarbonMean(plan, hour);
        CostMean = evaluator.CostMean(plan);
    }

    public int[] Plan { get; }
    public int Hour { get; }
    public double CarbonMean { get; }
    public double CostMean { get; }
    public PlanFigure Runtime => _evaluator.RuntimeFigure(Plan);
    public PlanFigure Cost => _evaluator.CostFigure(Plan);
    public PlanFigure Carbon => _carbon ??= _evaluator.CarbonFigure(Plan, Hour);

    /// <summary>Set by the ranker the first time it is asked.</summary>
    internal bool? FeasibleCache { get => _feasible; set => _feasible = value; }
    internal int? SoftCache { get => _soft; set => _soft = value; }

    /// <summary>Whether the mean is known without a pass over the samples.</summary>
    public static bool IsExact(PlanMetric metric) => metric != PlanMetric.Runtime;

    public double Mean(PlanMetric metric) => metric switch
    {
        PlanMetric.Carbon => CarbonMean,
        PlanMetric.Cost => CostMean,
        _ => Runtime.Mean,
    };

    public double P95(PlanMetric metric) => metric switch
    {
        PlanMetric.Carbon => Carbon.P95,
        PlanMetric.Cost => Cost.P95,
        _ => Runtime.P95,
    };
}
