using System.Management.Automation;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.PowerShell.Commands;

/// <summary>
/// Validates and publishes a workflow folder: to the embedded local provider, and with -Region to
/// AWS regions too (package in S3, task queue and dead-letter queue in SQS, deployment record).
/// </summary>
[Cmdlet(VerbsData.Publish, "Workflow", SupportsShouldProcess = true)]
[OutputType(typeof(WorkflowInfo))]
public sealed class PublishWorkflowCommand : AwsCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    public string Path { get; set; } = "";

    /// <summary>Replaces a published workflow of the same name and version whose content differs.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>AWS regions to deploy to, as aws:&lt;region&gt;.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(RegionCompleter))]
    public string[]? Region { get; set; }

    /// <summary>Deliveries of a failing task before SQS moves it to the dead-letter queue.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int MaxReceiveCount { get; set; } = 3;

    /// <summary>What runs the tasks in the regions: Start-WorkflowWorker processes (Workers, the default) or a Lambda function the deployment makes (Lambda).</summary>
    [Parameter]
    public Compute Compute { get; set; } = Compute.Workers;

    /// <summary>With -Compute Lambda: the worker function's execution role ARN (required on AWS's own endpoint).</summary>
    [Parameter]
    public string? LambdaRole { get; set; }

    /// <summary>With -Compute Lambda: layer version ARNs for the function, e.g. one that brings pwsh as /opt/powershell/pwsh.</summary>
    [Parameter]
    public string[]? LambdaLayer { get; set; }

    /// <summary>Each region is deployed to on its own: one that cannot be reached does not stop the others.</summary>
    protected override bool StopsTheCmdlet(WorkflowException e) => false;

    protected override void ProcessRecord() => ForItem(() =>
    {
        var (definition, folder, hash) = WorkflowCatalog.Read(GetUnresolvedProviderPathFromPSPath(Path), PowerShellScriptChecker.Instance);
        // Asked all at once, so -WhatIf lists every region too.
        var local = ShouldProcess(definition.WorkflowId, $"Publish {folder} ({hash}) to local");
        var regions = System.Linq.Enumerable.ToList(System.Linq.Enumerable.Where(Region ?? System.Array.Empty<string>(),
            name => ShouldProcess(definition.WorkflowId, $"Deploy {hash} to {name}: package in S3, task queue and dead-letter queue in SQS" +
                (Compute == Compute.Lambda ? ", worker function in Lambda with an SQS event-source mapping" : ""))));
        if (!local) return;
        var info = WaitFor(token => Engine.Catalog.PublishAsync(folder, Force, PowerShellScriptChecker.Instance, token));
        foreach (var name in regions)
        {
            // A region that fails (unknown, unreachable, not ours) is an error of its own: the
            // regions after it are still deployed.
            ForItem(() =>
            {
                WriteProgress(new ProgressRecord(2, $"Publishing {definition.WorkflowId}", $"{name}: package, queues, deployment record"));
                var options = new Distributed.DeployOptions(MaxReceiveCount)
                {
                    Compute = Compute,
                    LambdaRole = LambdaRole,
                    LambdaLayers = LambdaLayer ?? System.Array.Empty<string>(),
                    ModuleFolder = MyInvocation.MyCommand.Module?.ModuleBase,
                };
                try
                {
                    var (_, summary) = WaitFor(token => Engine.Regions.DeployAsync(definition, folder, hash, name, Access, options, token));
                    WriteVerbose(summary);
                }
                finally
                {
                    foreach (var warning in options.Warnings) WriteWarning(warning);
                }
            });
        }
        WriteObject(Engine.Catalog.Get(info.WorkflowId));
    });
}
