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

    /// <summary>
    /// Plain .NET objects (FileInfo, Process…) are converted this many levels deep; below that, a
    /// value is written as its text and its path is added to <paramref name="truncated"/> (ConvertTo-Json warns too).
    /// Hashtables, PSCustomObjects and arrays nest as deep as <see cref="MaxDepth"/>.
    /// </summary>
    public const int ObjectDepth = 3;

    /// <summary>
    /// A PowerShell value as JSON. Throws WorkflowException 'WorkflowValueNotSerializable' for script
    /// blocks, credentials and cycles, naming the property that holds them; <paramref name="truncated"/>
    /// gets the path of each object written as text (see <see cref="ObjectDepth"/>).
    /// </summary>
    public static string ToJson(object? value, ICollection<(string Path, string Type)>? truncated = null)
    {
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            new Converter(writer, truncated).Write(value, 0, "", inObject: false);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Several pipeline objects as one output: none → null, one → itself, more → an array.</summary>
    public static string ToJson(ICollection<PSObject> results, ICollection<(string Path, string Type)>? truncated = null)
    {
        if (results.Count == 0) return "null";
        if (results.Count == 1)
        {
            foreach (var only in results) return ToJson(only, truncated);
        }
        return ToJson((IEnumerable)results, truncated);
    }

    /// <summary>
    /// One warning's words for the values written as text: "'file.PSDrive.Provider' (System.Management.Automation.ProviderInfo)
    /// and 4 more were written as their text: ...". <paramref name="whole"/> names a value truncated at its root.
    /// </summary>
    public static string? TruncationWarning(string whole, IReadOnlyList<(string Path, string Type)> truncated, string fix)
    {
        if (truncated.Count == 0) return null;
        var (path, type) = truncated[0];
        var first = (path.Length == 0 ? whole : $"'{path}'") + $" ({type})";
        var more = truncated.Count > 1 ? $" and {truncated.Count - 1} more value(s)" : "";
        return $"{first}{more} became text: .NET objects are converted {ObjectDepth} levels deep. {fix}";
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

    /// <summary>One conversion: the writer, where in the value it is, and who hears of truncation.</summary>
    private sealed class Converter
    {
        private readonly Utf8JsonWriter writer;
        private readonly ICollection<(string Path, string Type)>? truncated;

        public Converter(Utf8JsonWriter writer, ICollection<(string Path, string Type)>? truncated)
        {
            this.writer = writer;
            this.truncated = truncated;
        }

        /// <summary>
        /// <paramref name="inObject"/>: the value was reached through a plain .NET object's
        /// properties (a FileInfo's PSDrive.Credential), not data the caller built: script blocks
        /// and credentials there are left out (null) instead of refused.
        /// </summary>
        public void Write(object? value, int depth, string path, bool inObject)
        {
            if (depth > MaxDepth)
            {
                throw NotSerializable(path, $"it nests deeper than {MaxDepth} levels (a cycle?)");
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
                        throw NotSerializable(path, $"{number} is not a number JSON can hold");
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
                case ScriptBlock or SecureString or PSCredential when inObject:
                    writer.WriteNullValue();
                    return;
                case ScriptBlock:
                    throw NotSerializable(path, "it is a script block, and code cannot travel to a step; pass data, not code");
                case SecureString or PSCredential:
                    throw NotSerializable(path, "it is a credential, and credentials are not passed as arguments; name them under 'secrets:' in workflow.yml");
                case IDictionary dictionary:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                        writer.WritePropertyName(key);
                        Write(entry.Value, depth + 1, Member(path, key), inObject);
                    }
                    writer.WriteEndObject();
                    return;
                case PSObject custom:
                    WriteProperties(custom, depth, path, inObject);
                    return;
                case IEnumerable sequence:
                    writer.WriteStartArray();
                    var index = 0;
                    foreach (var item in sequence) Write(item, depth + 1, $"{path}[{index++}]", inObject);
                    writer.WriteEndArray();
                    return;
                default:
                    // Plain .NET objects (FileInfo, Process…) fan out without end: past a few levels, their text.
                    if (depth >= ObjectDepth)
                    {
                        truncated?.Add((path, value.GetType().FullName ?? value.GetType().Name));
                        writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        WriteProperties(PSObject.AsPSObject(value), depth, path, inObject: true);
                    }
                    return;
            }
        }

        private void WriteProperties(PSObject value, int depth, string path, bool inObject)
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
                Write(propertyValue, depth + 1, Member(path, property.Name), inObject);
            }
            writer.WriteEndObject();
        }

        private static string Member(string path, string name) => path.Length == 0 ? name : path + "." + name;
    }

    private static WorkflowException NotSerializable(string path, string why) =>
        new(WorkflowErrors.WorkflowValueNotSerializable,
            (path.Length == 0 ? "The value" : $"The value's '{path}'") + $" cannot be turned into JSON: {why}.");
}
