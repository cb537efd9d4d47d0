using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflow.Engine;

/// <summary>
/// The step input document { input, steps, item, context }. The scheduler writes all but the
/// context once per task; the worker adds the context per attempt, by splicing text, not re-parsing.
/// </summary>
public static class InputDocument
{
    public static string Partial(JsonNode? input, IEnumerable<KeyValuePair<string, JsonNode?>> needOutputs, JsonNode? item, bool hasItem)
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
        builder.Append('}');
        if (hasItem)
        {
            builder.Append(",\"item\":").Append(ToJson(item));
        }
        return builder.Append('}').ToString();
    }

    public static string Complete(string partial, StepContext context)
    {
        var contextJson = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["runId"] = context.RunId,
            ["workflowId"] = context.WorkflowId,
            ["step"] = context.Step,
            ["item"] = context.Item,
            ["attempt"] = context.Attempt,
            ["region"] = context.Region,
            ["artifacts"] = context.Artifacts,
        });
        return partial.Substring(0, partial.Length - 1) + ",\"context\":" + contextJson + "}";
    }

    public static string ToJson(JsonNode? node) => node?.ToJsonString() ?? "null";
}

public sealed record StepContext(string RunId, string WorkflowId, string Step, int? Item, int Attempt, string Region, string Artifacts);
