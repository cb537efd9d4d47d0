using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Starts a run of a published workflow; returns at once unless -Wait.</summary>
[Cmdlet(VerbsLifecycle.Start, "WorkflowRun", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowRun))]
public sealed class StartWorkflowRunCommand : AwsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string WorkflowId { get; set; } = "";

    /// <summary>The run's input ($Context.input in steps): a hashtable, an object, or a JSON string.</summary>
    [Parameter(Position = 1)]
    public object? Argument { get; set; }

    /// <summary>
    /// Runs it on the workers of this AWS region (aws:us-east-1), where it must be published; default:
    /// the workflow's home region when that is an AWS region it is deployed to, else this session.
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string? Region { get; set; }

    /// <summary>
    /// Waits for the run to end, showing progress; Ctrl+C stops the run. A run that ends Failed or
    /// Cancelled is emitted and written as an error too.
    /// </summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord() => ForItem(() =>
    {
        var truncated = new System.Collections.Generic.List<(string Path, string Type)>();
        var argument = RunArgument.ToJson(Argument, truncated);
        if (PSJson.TruncationWarning("the value", truncated, "Pass a hashtable or [pscustomobject] of the values the steps need.") is { } warning)
        {
            WriteWarning("-Argument: " + warning);
        }
        var where = Engine.PlaceRun(WorkflowId, Region);
        if (!ShouldProcess(WorkflowId, where == "local" ? "Start run" : $"Start run in {where}")) return;
        var run = WaitFor(token => Engine.StartRunAsync(WorkflowId, argument, where, Access, token));
        if (Wait) WriteWaitedRun(WaitOrStop(run.RunId));
        else WriteObject(run);
    });

    /// <summary>Waits for the run with progress; Ctrl+C while waiting stops a run of this session, as the user would expect of a foreground job.</summary>
    internal WorkflowRun WaitOrStop(string runId) =>
        WaitFor((progress, token) => Engine.WaitOrStopAsync(runId, token, progress, Access));
}

internal static class RunArgument
{
    /// <summary>
    /// A JSON string passes as it is; anything else is converted (see <see cref="PSJson"/>:
    /// hashtables, objects and arrays; no script blocks or credentials; .NET objects
    /// <see cref="PSJson.ObjectDepth"/> levels deep, reported to <paramref name="truncated"/>).
    /// </summary>
    public static string ToJson(object? argument, System.Collections.Generic.ICollection<(string Path, string Type)>? truncated = null)
    {
        var value = argument is PSObject wrapped ? wrapped.BaseObject : argument;
        if (value is string text)
        {
            var trimmed = text.TrimStart();
            if (trimmed.StartsWith("{") || trimmed.StartsWith("["))
            {
                try
                {
                    using var _ = System.Text.Json.JsonDocument.Parse(text);
                    return text;
                }
                catch (System.Text.Json.JsonException e)
                {
                    throw new WorkflowException(WorkflowErrors.WorkflowArgumentNotJson,
                        $"-Argument looks like JSON but does not parse: {e.Message} Fix the JSON, or pass a hashtable.", text, e);
                }
            }
        }
        return PSJson.ToJson(argument, truncated);
    }
}
