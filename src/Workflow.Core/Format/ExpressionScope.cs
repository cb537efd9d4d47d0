using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace Workflow.Format;

/// <summary>The values an expression reads: <c>input</c>, <c>steps.&lt;name&gt;.output</c> and <c>item</c>.</summary>
public sealed class ExpressionScope
{
    private static readonly IReadOnlyDictionary<string, JsonNode?> NoOutputs = new Dictionary<string, JsonNode?>();

    /// <summary>The run's argument.</summary>
    public JsonNode? Input { get; init; }

    /// <summary>Outputs of finished steps by step name; <c>steps.X.output</c> reads <c>StepOutputs[X]</c>.</summary>
    public IReadOnlyDictionary<string, JsonNode?> StepOutputs { get; init; } = NoOutputs;

    /// <summary>The current foreach item; null outside a foreach.</summary>
    public JsonNode? Item { get; init; }
}
