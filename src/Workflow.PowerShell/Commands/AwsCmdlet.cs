using System.Collections.Generic;
using System.Management.Automation;
using Workflow.Distributed;

namespace Workflow.PowerShell.Commands;

/// <summary>Cmdlets that reach AWS: -ProfileName, -EndpointUrl and -Bucket as AWS.Tools users expect them.</summary>
public abstract class AwsCmdlet : WorkflowCmdlet
{
    /// <summary>The shared-credentials profile to call AWS as (default: the SDK's credential chain).</summary>
    [Parameter]
    public string? ProfileName { get; set; }

    /// <summary>Another S3/SQS endpoint (an emulator, a VPC endpoint); default $env:AWS_ENDPOINT_URL, else AWS's.</summary>
    [Parameter]
    public string? EndpointUrl { get; set; }

    /// <summary>The bucket that holds packages and run state (default $env:WORKFLOW_AWS_BUCKET, else workflow-powershell-&lt;region&gt;).</summary>
    [Parameter]
    public string? Bucket { get; set; }

    /// <summary>-ProfileName, -EndpointUrl or the credentials are wrong: no item can reach its region.</summary>
    protected override bool StopsTheCmdlet(Model.WorkflowException e) =>
        e.ErrorId == Model.WorkflowErrors.AwsProfileNotFound.Id
        || e.ErrorId == Model.WorkflowErrors.AwsCredentialsMissing.Id
        || e.ErrorId == Model.WorkflowErrors.AwsEndpointInvalid.Id;

    /// <summary>How this call reaches a region, as its parameters say.</summary>
    internal RegionAccess Access => new(ProfileName, EndpointUrl, Bucket);

    /// <summary>
    /// Deployments of these workflows (all when null), optionally in one region; a workflow named
    /// that has none is a WorkflowNotDeployed error of its own.
    /// </summary>
    internal IReadOnlyList<RegionDeployment> DeploymentsOf(string[]? workflowIds, string? region)
    {
        if (workflowIds == null) return Engine.Regions.Deployments(null, region);
        var found = new List<RegionDeployment>();
        foreach (var id in workflowIds)
        {
            var deployments = Engine.Regions.Deployments(id, region);
            if (deployments.Count == 0) WriteError(ToErrorRecord(RegionRuns.NotDeployed(id, region == null ? null : Engine.Regions.Provider.Normalize(region))));
            found.AddRange(deployments);
        }
        return found;
    }
}
