using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>
/// The values a workflow's <c>secrets:</c> have in this process's environment. They reach the step
/// (env only) and nothing else: logs and errors are redacted, and an output that holds one is not
/// stored at all (GitHub Actions skips such outputs too).
/// </summary>
internal sealed class RunSecrets
{

    // Longest first, so a secret that contains another is redacted whole.
    private readonly IReadOnlyList<KeyValuePair<string, string>> secrets;

    private RunSecrets(IEnumerable<KeyValuePair<string, string>> secrets) =>
        this.secrets = secrets.OrderByDescending(s => s.Value.Length).ToList();

    public static RunSecrets FromEnvironment(IEnumerable<string> names) =>
        new(names
            .Select(name => new KeyValuePair<string, string>(name, Environment.GetEnvironmentVariable(name) ?? ""))
            .Where(s => s.Value.Length > 0));

    /// <summary>The text with every secret's value replaced by ***.</summary>
    public string Redact(string text)
    {
        foreach (var secret in secrets) text = text.Replace(secret.Value, "***");
        return text;
    }

    /// <summary>
    /// The name of a secret whose value is in this JSON document, in its text or in any string or
    /// property name once JSON escapes are decoded (\u0041, \"); null when none is.
    /// </summary>
    public string? FoundIn(string json)
    {
        if (secrets.Count == 0) return null;
        foreach (var secret in secrets)
        {
            if (json.IndexOf(secret.Value, StringComparison.Ordinal) >= 0) return secret.Key;
        }
        if (json.IndexOf('\\') < 0) return null; // nothing escaped: the text is what the strings hold
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
            var value = reader.GetString() ?? "";
            foreach (var secret in secrets)
            {
                if (value.IndexOf(secret.Value, StringComparison.Ordinal) >= 0) return secret.Key;
            }
        }
        return null;
    }

    /// <summary>The attempt's failure when its output holds a secret: the output is dropped, the secret named, never shown.</summary>
    public Executors.StepFailedException OutputHolds(string name) =>
        new(WorkflowErrors.StepOutputContainsSecret,
            $"The step's output holds the value of secret '{name}', so it was not stored. Leave secrets out of outputs: a step that needs {name} reads it from its own environment ($Context.env.{name} in a script, ${name} in a command).");
}
