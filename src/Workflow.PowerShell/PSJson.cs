using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Text;
using System.Text.Json;
using Workflow.Model;

namespace Workflow.PowerShell;

/// <summary>
/// Converts between PowerShell objects and JSON. The engine's SMA package has no ConvertTo-Json
/// or ConvertFrom-Json (they live in Microsoft.PowerShell.Utility), and a runbook host may lack them
/// too, so this small converter does what they would: objects become PSCustomObjects, arrays object[].
/// </summary>
public static class PSJson
{
    private const int MaxDepth = 32;

    /// <summary>A PowerShell value as JSON. Throws WorkflowException 'WorkflowValueNotSerializable' for script blocks, secure strings, cycles.</summary>
    public static string ToJson(object? value)
    {
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, value, 0);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Several pipeline objects as one output: none → null, one → itself, more → an array.</summary>
    public static string ToJson(ICollection<PSObject> results)
    {
        if (results.Count == 0) return "null";
        if (results.Count == 1)
        {
            foreach (var only in results) return ToJson(only);
        }
        return ToJson((IEnumerable)results);
    }

    public static object? FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return FromElement(document.RootElement);
    }

    public static object? FromElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var result = new PSObject();
                foreach (var property in element.EnumerateObject())
                {
                    result.Properties.Add(new PSNoteProperty(property.Name, FromElement(property.Value)));
                }
                return result;
            case JsonValueKind.Array:
                var items = new List<object?>();
                foreach (var item in element.EnumerateArray()) items.Add(FromElement(item));
                return items.ToArray();
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                if (element.TryGetInt32(out var i)) return i;
                if (element.TryGetInt64(out var l)) return l;
                return element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    private static void Write(Utf8JsonWriter writer, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw NotSerializable($"it nests deeper than {MaxDepth} levels (a cycle?)");
        }
        if (value is PSObject wrapped && wrapped.BaseObject is not PSCustomObject)
        {
            // A PSObject around a .NET value: the value decides, unless notes were added to it.
            value = wrapped.BaseObject;
        }
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string s:
                writer.WriteStringValue(s);
                return;
            case char c:
                writer.WriteStringValue(c.ToString());
                return;
            case bool b:
                writer.WriteBooleanValue(b);
                return;
            case int or long or short or byte or sbyte or ushort or uint or ulong:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                return;
            case decimal m:
                writer.WriteNumberValue(m);
                return;
            case double or float:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsNaN(number) || double.IsInfinity(number))
                {
                    throw NotSerializable($"{number} is not a number JSON can hold");
                }
                writer.WriteNumberValue(number);
                return;
            case DateTime dt:
                writer.WriteStringValue(dt.ToString("o", CultureInfo.InvariantCulture));
                return;
            case DateTimeOffset dto:
                writer.WriteStringValue(dto.ToString("o", CultureInfo.InvariantCulture));
                return;
            case Guid or Enum or Uri or TimeSpan or Version:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case ScriptBlock:
                throw NotSerializable("a script block cannot travel to a step; pass data, not code");
            case SecureString or PSCredential:
                throw NotSerializable("credentials are not passed as arguments; name them under 'secrets:' in workflow.yml");
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    Write(writer, entry.Value, depth + 1);
                }
                writer.WriteEndObject();
                return;
            case PSObject custom:
                WriteProperties(writer, custom, depth);
                return;
            case IEnumerable sequence:
                writer.WriteStartArray();
                foreach (var item in sequence) Write(writer, item, depth + 1);
                writer.WriteEndArray();
                return;
            default:
                // Plain .NET objects (FileInfo, Process…) fan out without end: past a few levels, their text.
                if (depth >= 3) writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                else WriteProperties(writer, PSObject.AsPSObject(value), depth);
                return;
        }
    }

    private static void WriteProperties(Utf8JsonWriter writer, PSObject value, int depth)
    {
        writer.WriteStartObject();
        foreach (var property in value.Properties)
        {
            if (!property.IsGettable) continue;
            object? propertyValue;
            try
            {
                propertyValue = property.Value;
            }
            catch (GetValueException)
            {
                continue; // A getter that throws is left out, as ConvertTo-Json does.
            }
            writer.WritePropertyName(property.Name);
            Write(writer, propertyValue, depth + 1);
        }
        writer.WriteEndObject();
    }

    private static WorkflowException NotSerializable(string why) =>
        new("WorkflowValueNotSerializable", FailureKind.InvalidArgument, $"The value cannot be turned into JSON: {why}.");
}
