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
        var region = Region ?? HomeRegionIfDeployed();
        if (region != null && region != "local")
        {
            if (!ShouldProcess(WorkflowId, $"Start run in {Qualified(region)}")) return;
            var remote = StartRemote(Qualified(region), argument);
            if (Wait) WriteWaitedRun(WaitRemote(remote, Cancellation));
            else WriteObject(remote);
            return;
        }
        if (!ShouldProcess(WorkflowId, "Start run")) return;
        var run = Engine.StartRun(WorkflowId, argument);
        if (Wait) WriteWaitedRun(WaitOrStop(run.RunId));
        else WriteObject(run);
    });

    private string? HomeRegionIfDeployed()
    {
        var home = Engine.Catalog.Get(WorkflowId).HomeRegion;
        return Workflow.Aws.AwsConnection.IsAws(home) && Deployments(WorkflowId, home).Count > 0 ? home : null;
    }

    /// <summary>Records the run locally (owned by the region), writes its definition to the bucket and enqueues its first steps.</summary>
    private WorkflowRun StartRemote(string region, string argument)
    {
        Engine.Catalog.Get(WorkflowId);
        Workflow.Aws.AwsConnection.CheckRegion(region);
        var deployment = Deployment(WorkflowId, region);
        using var aws = OpenRegion(region, deployment.Bucket);
        // Before the run is recorded anywhere: a store that lets every conditional put win would run steps twice.
        try
        {
            aws.Blobs.RequireConditionalWritesAsync(Cancellation).GetAwaiter().GetResult();
        }
        catch (System.Exception e) when (e is not WorkflowException)
        {
            throw aws.Connection.Explain(e, $"check bucket '{deployment.Bucket}' in {region}");
        }
        var workflow = new Workflow.Distributed.PackageCache(aws.Blobs, PackageCacheFolder).LoadAsync(WorkflowId, deployment.ContentHash, Cancellation).GetAwaiter().GetResult();
        var run = new WorkflowRun
        {
            RunId = System.Guid.NewGuid().ToString("N").Substring(0, 12),
            WorkflowId = WorkflowId,
            State = RunState.Queued,
            ArgumentJson = argument,
            CreatedAt = System.DateTimeOffset.UtcNow,
            Owner = region,
        };
        Engine.Store.CreateRun(run, System.Linq.Enumerable.ToList(System.Linq.Enumerable.Select(workflow.Definition.Steps, s => s.Name)));
        try
        {
            aws.Coordinator(PackageCacheFolder, Workflow.Engine.RunOwner.NewId()).StartAsync(workflow, run.RunId, argument, region, Cancellation).GetAwaiter().GetResult();
        }
        catch (System.Exception e)
        {
            // Nothing reached the queue: the run ends Failed here rather than waiting for ever.
            var error = aws.Connection.Explain(e, $"start run {run.RunId} in {region}");
            Engine.Store.Apply(new Workflow.Store.StoreChange[] { new Workflow.Store.RunStateChange(run.RunId, System.DateTimeOffset.UtcNow, RunState.Failed, error.Message) });
            throw error;
        }
        return Engine.GetRun(run.RunId);
    }

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
                    throw new WorkflowException("WorkflowArgumentNotJson", FailureKind.InvalidArgument,
                        $"-Argument looks like JSON but does not parse: {e.Message} Fix the JSON, or pass a hashtable.", text, e);
                }
            }
        }
        return PSJson.ToJson(argument, truncated);
    }
}
