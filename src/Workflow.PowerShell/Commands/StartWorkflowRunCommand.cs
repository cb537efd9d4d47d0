using System.Management.Automation;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Starts a run of a published workflow; returns at once unless -Wait.</summary>
[Cmdlet(VerbsLifecycle.Start, "WorkflowRun", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowRun))]
public sealed class StartWorkflowRunCommand : WorkflowCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string WorkflowId { get; set; } = "";

    /// <summary>The run's input ($Context.input in steps): a hashtable, an object, or a JSON string.</summary>
    [Parameter(Position = 1)]
    public object? Argument { get; set; }

    /// <summary>Waits for the run to end, showing progress; Ctrl+C stops the run.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord() => ForItem(() =>
    {
        var argument = RunArgument.ToJson(Argument);
        if (!ShouldProcess(WorkflowId, "Start run")) return;
        var run = Engine.StartRun(WorkflowId, argument);
        if (Wait)
        {
            run = WaitOrStop(run.RunId);
        }
        WriteObject(run);
    });

    internal WorkflowRun WaitOrStop(string runId)
    {
        try
        {
            return Wait(Engine.WaitAsync(runId, Cancellation), () => RunProgress(runId));
        }
        catch (System.OperationCanceledException)
        {
            // Ctrl+C while waiting stops the run itself, as the user would expect of a foreground job.
            return Engine.StopAsync(runId, System.Threading.CancellationToken.None).GetAwaiter().GetResult();
        }
    }
}

internal static class RunArgument
{
    /// <summary>A JSON string passes as it is; anything else is converted.</summary>
    public static string ToJson(object? argument)
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
                    throw new WorkflowException("WorkflowArgumentNotJson", FailureKind.InvalidArgument,
                        $"-Argument looks like JSON but does not parse: {e.Message} Fix the JSON, or pass a hashtable.", text, e);
                }
            }
        }
        return PSJson.ToJson(argument);
    }
}
