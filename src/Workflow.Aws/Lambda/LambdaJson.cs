using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflow.Aws.Lambda;

/// <summary>The Lambda REST API's JSON bodies (member names as AWS's model gives them) to and from the ILambdaApi records.</summary>
internal static class LambdaJson
{
    public static byte[] Bytes(JsonObject body) => Encoding.UTF8.GetBytes(body.ToJsonString());

    public static JsonObject CreateFunction(LambdaFunctionSpec spec)
    {
        var body = Settings(spec);
        body["FunctionName"] = spec.FunctionName;
        body["Code"] = new JsonObject { ["ZipFile"] = Convert.ToBase64String(spec.ZipFile) };
        body["PackageType"] = "Zip";
        if (spec.Layers.Count == 0) body.Remove("Layers");
        return body;
    }

    /// <summary>UpdateFunctionConfiguration's body: every setting, so the function ends as the spec says (no layers clears them).</summary>
    public static JsonObject Settings(LambdaFunctionSpec spec)
    {
        var body = new JsonObject
        {
            ["Runtime"] = spec.Runtime,
            ["Handler"] = spec.Handler,
            ["MemorySize"] = spec.MemorySize,
            ["Timeout"] = spec.Timeout,
            ["Environment"] = new JsonObject { ["Variables"] = Strings(spec.Environment) },
            ["Layers"] = new JsonArray(spec.Layers.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
        };
        if (spec.Role.Length > 0) body["Role"] = spec.Role;
        if (spec.Description != null) body["Description"] = spec.Description;
        return body;
    }

    public static JsonObject UpdateCode(byte[] zipFile) => new() { ["ZipFile"] = Convert.ToBase64String(zipFile) };

    public static JsonObject CreateEventSourceMapping(EventSourceMappingSpec spec)
    {
        var body = new JsonObject
        {
            ["FunctionName"] = spec.FunctionName,
            ["EventSourceArn"] = spec.EventSourceArn,
            ["BatchSize"] = spec.BatchSize,
            ["Enabled"] = spec.Enabled,
            ["FunctionResponseTypes"] = new JsonArray(spec.FunctionResponseTypes.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        };
        if (spec.MaximumBatchingWindowInSeconds > 0) body["MaximumBatchingWindowInSeconds"] = spec.MaximumBatchingWindowInSeconds;
        return body;
    }

    /// <summary>A FunctionConfiguration (CreateFunction's, UpdateFunction*'s answer; GetFunction's Configuration).</summary>
    public static LambdaFunction Function(JsonNode? node) => new()
    {
        FunctionName = Text(node, "FunctionName"),
        FunctionArn = Text(node, "FunctionArn"),
        Runtime = Text(node, "Runtime"),
        Handler = Text(node, "Handler"),
        MemorySize = (int)Number(node, "MemorySize"),
        Timeout = (int)Number(node, "Timeout"),
        CodeSha256 = Text(node, "CodeSha256"),
        CodeSize = Number(node, "CodeSize"),
        State = Text(node, "State"),
        LastUpdateStatus = Text(node, "LastUpdateStatus"),
        Environment = node?["Environment"]?["Variables"] is JsonObject variables
            ? variables.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(),
    };

    public static EventSourceMapping Mapping(JsonNode? node) => new()
    {
        Uuid = Text(node, "UUID"),
        EventSourceArn = Text(node, "EventSourceArn"),
        FunctionArn = Text(node, "FunctionArn"),
        BatchSize = (int)Number(node, "BatchSize"),
        State = Text(node, "State"),
        FunctionResponseTypes = node?["FunctionResponseTypes"] is JsonArray types
            ? types.Select(t => t?.GetValue<string>() ?? "").ToArray()
            : Array.Empty<string>(),
    };

    public static JsonNode? Parse(byte[] body, string operation)
    {
        if (body.Length == 0) return null;
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw new LambdaApiException("InvalidResponse", 0, $"Lambda's answer to {operation} is not JSON: {e.Message}", e);
        }
    }

    /// <summary>An error answer's type and message: x-amzn-ErrorType (without its ':…' suffix), else the body's __type or code.</summary>
    public static (string Type, string Message) Error(string? errorTypeHeader, byte[] body, int status)
    {
        JsonNode? json = null;
        try { json = body.Length > 0 ? JsonNode.Parse(body) : null; }
        catch (JsonException) { }
        var type = errorTypeHeader is { Length: > 0 } header ? header : Text(json, "__type") is { Length: > 0 } named ? named : Text(json, "code");
        type = type.Split(':')[0];
        type = type.Substring(type.LastIndexOf('#') + 1);
        if (type.Length == 0) type = status >= 500 ? "ServiceException" : "HttpError" + status;
        var message = Text(json, "message") is { Length: > 0 } m ? m : Text(json, "Message") is { Length: > 0 } m2 ? m2
            : json == null && body.Length > 0 ? Encoding.UTF8.GetString(body) : $"HTTP {status}";
        return (type, message);
    }

    private static JsonObject Strings(IReadOnlyDictionary<string, string> values)
    {
        var json = new JsonObject();
        foreach (var pair in values) json[pair.Key] = pair.Value;
        return json;
    }

    private static string Text(JsonNode? node, string name) =>
        node is JsonObject o && o.TryGetPropertyValue(name, out var value) && value is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private static long Number(JsonNode? node, string name) =>
        node is JsonObject o && o.TryGetPropertyValue(name, out var value) && value is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;
}
