using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Workflow.Model;

namespace Workflow.Placement;

/// <summary>
/// A comma-separated table with a header row, read whole: the bundled data and the files users
/// import (-Path). Fields may be quoted ("Korea, Republic of"); a bad row names its line.
/// </summary>
internal sealed class CsvTable
{
    private readonly Dictionary<string, int> columns;

    private CsvTable(string source, IReadOnlyList<string> header, IReadOnlyList<(int Line, string[] Fields)> rows)
    {
        Source = source;
        Header = header;
        Rows = rows;
        columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++)
        {
            columns[header[i]] = i;
        }
    }

    /// <summary>The file (or bundled resource) it was read from, for messages.</summary>
    public string Source { get; }
    public IReadOnlyList<string> Header { get; }
    public IReadOnlyList<(int Line, string[] Fields)> Rows { get; }

    public static CsvTable Read(TextReader text, string source)
    {
        string[]? header = null;
        var rows = new List<(int, string[])>();
        var number = 0;
        for (var line = text.ReadLine(); line != null; line = text.ReadLine())
        {
            number++;
            if (line.Trim().Length == 0) continue;
            var fields = Split(line);
            if (header == null)
            {
                header = fields.Select(f => f.Trim().TrimStart('\uFEFF')).ToArray();
                continue;
            }
            rows.Add((number, fields));
        }
        return new CsvTable(source, header ?? Array.Empty<string>(), rows);
    }

    /// <summary>Reads a user's file; a missing one is PlacementDataFileNotFound.</summary>
    public static CsvTable ReadFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new WorkflowException(WorkflowErrors.PlacementDataFileNotFound,
                $"The file '{full}' was not found. Give -Path the CSV file to import (Get-Help Invoke-DataCollector -Parameter Path shows the formats).", full);
        }
        using var reader = new StreamReader(full, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, full);
    }

    /// <summary>The index of the first column whose name <paramref name="matches"/>, or -1.</summary>
    public int Find(Func<string, bool> matches)
    {
        for (var i = 0; i < Header.Count; i++)
        {
            if (matches(Header[i])) return i;
        }
        return -1;
    }

    public int Column(string name) => columns.TryGetValue(name, out var index) ? index : -1;

    /// <summary>The field, or "" when the row is short.</summary>
    public static string Field(string[] fields, int index) => index >= 0 && index < fields.Length ? fields[index].Trim() : "";

    /// <summary>The number in the field, null when it is empty; anything else is PlacementDataFileInvalid.</summary>
    public double? Number(int line, string[] fields, int index)
    {
        var text = Field(fields, index);
        if (text.Length == 0) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return value;
        throw Invalid(line, $"'{text}' in column '{Header[index]}' is not a number");
    }

    public WorkflowException Invalid(int line, string problem) =>
        new(WorkflowErrors.PlacementDataFileInvalid, $"{Source}, line {line}: {problem}. Get-Help Invoke-DataCollector -Parameter Path shows the formats it reads.", Source);

    private static string[] Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
