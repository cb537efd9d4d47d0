using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Workflow.Distributed;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>Lists the tasks that no worker could finish, with why: step, run, deliveries, last error.</summary>
[Cmdlet(VerbsCommon.Get, "WorkflowDeadLetter")]
[OutputType(typeof(DeadLetter))]
public sealed class GetWorkflowDeadLetterCommand : AwsCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string[]? WorkflowId { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string? Region { get; set; }

    /// <summary>Only this run's dead letters.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string? RunId { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var deployment in DeploymentsOf(WorkflowId, Region))
        {
            ForItem(() =>
            {
                foreach (var letter in WaitFor(token => Engine.Regions.GetDeadLettersAsync(deployment, Access, token)))
                {
                    if (RunId == null || letter.RunId == RunId) WriteObject(letter);
                }
            });
        }
    }
}

/// <summary>Sends dead letters back to their workflow's task queue, to be run again (fix the cause first).</summary>
[Cmdlet(VerbsData.Restore, "WorkflowDeadLetter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DeadLetter))]
public sealed class RestoreWorkflowDeadLetterCommand : AwsCmdlet
{
    private readonly List<DeadLetter> piped = new();

    /// <summary>Dead letters from Get-WorkflowDeadLetter.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Letter")]
    public DeadLetter[] InputObject { get; set; } = Array.Empty<DeadLetter>();

    /// <summary>Every dead letter of these workflows.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Workflow")]
    [ArgumentCompleter(typeof(WorkflowIdCompleter))]
    public string[] WorkflowId { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = "Workflow")]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string? Region { get; set; }

    /// <summary>Only this run's dead letters.</summary>
    [Parameter(ParameterSetName = "Workflow")]
    [ArgumentCompleter(typeof(RunIdCompleter))]
    public string? RunId { get; set; }

    /// <summary>Emits the dead letters sent back.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "Letter")
        {
            piped.AddRange(InputObject);
            return;
        }
        foreach (var deployment in DeploymentsOf(WorkflowId, Region))
        {
            ForItem(() => Restore(deployment, letter => RunId == null || letter.RunId == RunId));
        }
    }

    protected override void EndProcessing()
    {
        foreach (var group in piped.GroupBy(l => (l.WorkflowId, l.Region)))
        {
            var ids = new HashSet<string>(group.Select(l => l.MessageId), StringComparer.Ordinal);
            foreach (var deployment in Engine.Regions.Deployments(group.Key.WorkflowId, group.Key.Region))
            {
                ForItem(() => Restore(deployment, letter => ids.Contains(letter.MessageId)));
            }
        }
    }

    private void Restore(RegionDeployment deployment, Func<DeadLetter, bool> wanted)
    {
        // Confirmed here, on the pipeline thread, before anything moves.
        var chosen = new HashSet<string>(WaitFor(token => Engine.Regions.GetDeadLettersAsync(deployment, Access, token))
            .Where(wanted)
            .Where(l => ShouldProcess($"{l.WorkflowId} run {l.RunId} step {l.Step}{(l.Item is { } i ? $"[{i}]" : "")} ({l.Reason})", $"Send back to the task queue of {l.WorkflowId} in {deployment.Region}"))
            .Select(l => l.MessageId), StringComparer.Ordinal);
        if (chosen.Count == 0) return;
        foreach (var letter in WaitFor(token => Engine.Regions.RestoreDeadLettersAsync(deployment, Access, l => chosen.Contains(l.MessageId), token)))
        {
            WriteVerbose($"Sent back {letter.WorkflowId} run {letter.RunId} step {letter.Step}.");
            if (PassThru) WriteObject(letter);
        }
    }
}
