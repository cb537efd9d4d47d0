using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflow.Engine;

/// <summary>
/// Builds the step input document { input, steps, item, context } in parts: the input-and-steps part
/// is one string shared by every item of a foreach step (a 10,000-item fan-out holds it once, not
/// 10,000 times), the item and the per-attempt context are added when the attempt runs.
/// </summary>
public static class InputDocument
{
    /// <summary>'{"input":…,"steps":{…}' without its closing brace.</summary>
    public static string Shared(JsonNode? input, IEnumerable<KeyValuePair<string, JsonNode?>> needOutputs)
    {
        var builder = new StringBuilder();
        builder.Append("{\"input\":").Append(ToJson(input)).Append(",\"steps\":{");
        var first = true;
        foreach (var pair in needOutputs)
        {
            if (!first) builder.Append(',');
            first = false;
            builder.Append(JsonSerializer.Serialize(pair.Key)).Append(':').Append(ToJson(pair.Value));
        }
        return builder.Append('}').ToString();
    }

    public static string ToJson(JsonNode? node) => node?.ToJsonString() ?? "null";
}

/// <summary>What an attempt learns about itself: context.* in the input document.</summary>
public sealed record StepContext(string RunId, string WorkflowId, string Step, int? Item, int Attempt, string Region, string Artifacts)
{
    /// <summary>The fields of context.* by their document names, in document order: every executor reads this one list.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Fields()
    {
        yield return new("runId", RunId);
        yield return new("workflowId", WorkflowId);
        yield return new("step", Step);
        yield return new("item", Item);
        yield return new("attempt", Attempt);
        yield return new("region", Region);
        yield return new("artifacts", Artifacts);
    }

    public string ToJson()
    {
        var fields = new Dictionary<string, object?>();
        foreach (var field in Fields()) fields.Add(field.Key, field.Value);
        return JsonSerializer.Serialize(fields);
    }
}

/// <summary>One attempt's input document, in its parts (see <see cref="InputDocument"/>).</summary>
public sealed record StepInput(string Shared, string? ItemJson, StepContext Context)
{
    public string ToJson() =>
        Shared + (ItemJson != null ? ",\"item\":" + ItemJson : "") + ",\"context\":" + Context.ToJson() + "}";
}
