using System;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflow.Format;

/// <summary>Truthiness, equality and ordering of JSON values, as workflow expressions define them.</summary>
internal static class ExpressionValues
{
    public static bool IsTruthy(JsonNode? value) => value switch
    {
        null => false,
        JsonArray array => array.Count > 0,
        JsonObject => true,
        _ => value.GetValueKind() switch
        {
            JsonValueKind.False or JsonValueKind.Null => false,
            JsonValueKind.Number => TryNumber(value, out var n) && n != 0 && !double.IsNaN(n),
            JsonValueKind.String => TryString(value, out var s) && s.Length > 0,
            _ => true,
        },
    };

    /// <summary>Equality by JSON value: numbers numerically, strings ordinally, no coercion between kinds.</summary>
    public static bool AreEqual(JsonNode? left, JsonNode? right)
    {
        var leftKind = KindOf(left);
        if (leftKind != KindOf(right))
        {
            return false;
        }
        return leftKind switch
        {
            JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False => true,
            JsonValueKind.Number => TryNumber(left, out var a) && TryNumber(right, out var b) && a == b,
            JsonValueKind.String => TryString(left, out var x) && TryString(right, out var y) && string.Equals(x, y, StringComparison.Ordinal),
            _ => JsonNode.DeepEquals(left, right),
        };
    }

    /// <summary>Orders two numbers or two strings (ordinally); null when the values cannot be ordered.</summary>
    public static int? Compare(JsonNode? left, JsonNode? right)
    {
        if (TryNumber(left, out var a) && TryNumber(right, out var b))
        {
            return double.IsNaN(a) || double.IsNaN(b) ? null : a.CompareTo(b);
        }
        if (TryString(left, out var x) && TryString(right, out var y))
        {
            return string.CompareOrdinal(x, y);
        }
        return null;
    }

    public static bool TryNumber(JsonNode? value, out double number)
    {
        number = 0;
        if (value is not JsonValue json || json.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }
        // Values parsed from JSON convert directly; values built in code (int, long, decimal...) do not,
        // so read those back from their JSON text.
        return json.TryGetValue(out number)
            || double.TryParse(json.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    public static bool TryString(JsonNode? value, out string text)
    {
        text = "";
        if (value is not JsonValue json || json.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }
        if (json.TryGetValue<string>(out var s))
        {
            text = s;
            return true;
        }
        // Other CLR values that serialize as strings (char, Guid, DateTime...).
        text = JsonSerializer.Deserialize<string>(json.ToJsonString()) ?? "";
        return true;
    }

    /// <summary>The kind of a value in words, for error messages.</summary>
    public static string Describe(JsonNode? value) => KindOf(value) switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    // True and False are distinct kinds, so equal kinds of these already means equal values.
    private static JsonValueKind KindOf(JsonNode? value) => value?.GetValueKind() ?? JsonValueKind.Null;
}
