using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Workflow.Model;
using Workflow.Placement;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Applies hourly plans from Find-WorkflowDeployment (Caribou's deployment migrator): deploys the
/// workflow's queues to every region the plans use, checks a worker polls each, and records the
/// placement, so each step of a new run runs in its plan's region for the hour the run started.
/// </summary>
[Cmdlet(VerbsCommon.Move, "WorkflowDeployment", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowInfo))]
public sealed class MoveWorkflowDeploymentCommand : AwsCmdlet
{
    private readonly List<DeploymentPlan> plans = new();

    /// <summary>The plans to apply, one per hour (from Find-WorkflowDeployment); several workflows' plans may come in one pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Plan")]
    public DeploymentPlan[] InputObject { get; set; } = System.Array.Empty<DeploymentPlan>();

    /// <summary>Records the placement even where no worker polls a region it uses (a warning names them).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>What runs the tasks in the regions the plans deploy to: workers you start (Workers, the default) or a Lambda function the move makes (Lambda).</summary>
    [Parameter]
    public Compute Compute { get; set; } = Compute.Workers;

    /// <summary>With -Compute Lambda: the worker functions' execution role ARN (required on AWS's own endpoint).</summary>
    [Parameter]
    public string? LambdaRole { get; set; }

    /// <summary>With -Compute Lambda: layer version ARNs for the functions (one that brings pwsh).</summary>
    [Parameter]
    public string[]? LambdaLayer { get; set; }

    protected override void ProcessRecord() => plans.AddRange(InputObject);

    protected override void EndProcessing()
    {
        // The plans of a day are one placement: applied together once every plan of the workflow has arrived.
        foreach (var workflow in plans.GroupBy(p => p.WorkflowId))
        {
            ForItem(() =>
            {
                var given = workflow.ToList();
                var placement = Engine.Migrator.Plan(workflow.Key, given);
                var away = placement.Regions.Skip(1).ToList();
                var what = $"Place its steps by {placement.Hours.Count} hourly plan(s) over {string.Join(", ", placement.Regions)}"
                    + (away.Count > 0 ? $": deploy its queues{(Compute == Compute.Lambda ? " and worker functions" : "")} to {string.Join(", ", away)}" : "") + "; new runs follow the plan of their start hour (UTC)";
                if (!ShouldProcess(workflow.Key, what)) return;
                WriteProgress(new ProgressRecord(1, $"Moving {workflow.Key}", $"Deploying to {string.Join(", ", away)}; looking for workers"));
                var deploy = new Distributed.DeployOptions(DeploymentMigrator.MaxReceiveCount)
                {
                    Compute = Compute,
                    LambdaRole = LambdaRole,
                    LambdaLayers = LambdaLayer ?? System.Array.Empty<string>(),
                    ModuleFolder = MyInvocation.MyCommand.Module?.ModuleBase,
                };
                PlacementMove moved;
                try
                {
                    moved = WaitFor(token => Engine.Migrator.MoveAsync(workflow.Key, given, Access, Force, deploy, null, token));
                }
                finally
                {
                    foreach (var warning in deploy.Warnings) WriteWarning(warning);
                }
                foreach (var line in moved.Deployed) WriteVerbose(line);
                foreach (var region in moved.RegionsWithoutWorker)
                {
                    WriteWarning($"No worker polls {region} for '{workflow.Key}': steps placed there wait until one starts (Start-WorkflowWorker -Region {region}).");
                }
                WriteObject(Engine.Catalog.Get(workflow.Key));
            });
        }
    }
}
