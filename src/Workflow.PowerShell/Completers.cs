using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Workflow.PowerShell;

/// <summary>Completes -WorkflowId with the ids of published workflows.</summary>
public sealed class WorkflowIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return ModuleState.Engine.Catalog.List()
            .Where(w => pattern.IsMatch(w.WorkflowId))
            .Select(w => new CompletionResult(w.WorkflowId, w.WorkflowId, CompletionResultType.ParameterValue, w.Description ?? w.WorkflowId));
    }
}

/// <summary>Completes -RunId with run ids, newest first; narrowed to -WorkflowId when it is given.</summary>
public sealed class RunIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        var workflowId = fakeBoundParameters["WorkflowId"] as string;
        return ModuleState.Engine.GetRuns(workflowId)
            .Where(r => pattern.IsMatch(r.RunId))
            .Take(100)
            .Select(r => new CompletionResult(r.RunId, r.RunId, CompletionResultType.ParameterValue, $"{r.WorkflowId} {r.State} {r.CreatedAt:u}"));
    }
}

/// <summary>Completes -Region with the regions workflows are deployed to, then every AWS region.</summary>
public sealed class RegionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        var deployed = ModuleState.Engine.Regions.Deployments(null).Select(d => d.Region);
        var all = Amazon.RegionEndpoint.EnumerableAllRegions.Select(r => "aws:" + r.SystemName).OrderBy(r => r, System.StringComparer.Ordinal);
        return deployed.Concat(all).Distinct()
            .Where(r => pattern.IsMatch(r))
            .Select(r => new CompletionResult(r, r, CompletionResultType.ParameterValue, r));
    }
}
