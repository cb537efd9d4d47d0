using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>
/// The step input document { input, steps, item, context } is built in parts: the input-and-steps
/// part (<see cref="SharedInput"/>) is shared by every item of a foreach step (a 10,000-item fan-out
/// holds it once, not 10,000 times), the item and the per-attempt context are added when the attempt runs.
/// </summary>
public static class InputDocument
{
    public static string ToJson(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>A run's argument as JSON; text that is not JSON is WorkflowArgumentNotJson.</summary>
    public static JsonNode? ParseArgument(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new WorkflowException(WorkflowErrors.WorkflowArgumentNotJson,
                $"The run argument is not JSON: {e.Message} Pass an object, a hashtable or a JSON string.", json, e);
        }
    }
}

/// <summary>
/// The part of a step's input document every item shares, as one complete JSON object:
/// <c>{"input":…,"steps":{…}}</c>. It travels in a task as that text (a JSON string on the wire).
/// </summary>
[JsonConverter(typeof(SharedInputConverter))]
public sealed class SharedInput
{
    /// <param name="json">The complete object text; taken as it is, not parsed.</param>
    public SharedInput(string json) => Json = json ?? throw new ArgumentNullException(nameof(json));

    /// <summary><c>{"input":…,"steps":{…}}</c></summary>
    public string Json { get; }

    /// <summary>The run's input and each direct need's output, in the order given.</summary>
    public static SharedInput Of(JsonNode? input, IEnumerable<KeyValuePair<string, JsonNode?>> needOutputs)
    {
        var builder = new StringBuilder();
        builder.Append("{\"input\":").Append(InputDocument.ToJson(input)).Append(",\"steps\":{");
        var first = true;
        foreach (var pair in needOutputs)
        {
            if (!first) builder.Append(',');
            first = false;
            builder.Append(JsonSerializer.Serialize(pair.Key)).Append(':').Append(InputDocument.ToJson(pair.Value));
        }
        return new SharedInput(builder.Append("}}").ToString());
    }

    /// <summary>One attempt's whole input document: this object with <c>item</c> (when given) and <c>context</c> added.</summary>
    public string AttemptDocument(string? itemJson, StepContext context)
    {
        // Copied once into a buffer of the final size: the shared text can be large, and a fan-out composes it per attempt.
        var contextJson = context.ToJson();
        var open = Json.Length > 0 && Json[Json.Length - 1] == '}' ? Json.Length - 1 : Json.Length;
        var builder = new StringBuilder(open + (itemJson == null ? 0 : 8 + itemJson.Length) + 11 + contextJson.Length + 1);
        builder.Append(Json, 0, open);
        if (itemJson != null) builder.Append(",\"item\":").Append(itemJson);
        return builder.Append(",\"context\":").Append(contextJson).Append('}').ToString();
    }

    public override string ToString() => Json;

    /// <summary>On the wire a shared input is the JSON string of its text, as it always was.</summary>
    private sealed class SharedInputConverter : JsonConverter<SharedInput>
    {
        public override SharedInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? new SharedInput(reader.GetString()!)
                : throw new JsonException($"A shared input is a JSON string, not {reader.TokenType}.");

        public override void Write(Utf8JsonWriter writer, SharedInput value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Json);
    }
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
public sealed record StepInput(SharedInput Shared, string? ItemJson, StepContext Context)
{
    public string ToJson() => Shared.AttemptDocument(ItemJson, Context);
}
