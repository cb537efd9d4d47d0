using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Language;
using Workflow.Format;

namespace Workflow.PowerShell;

/// <summary>
/// Parses step scripts with PowerShell's own parser, without running them: what Test-Workflow and
/// Publish-Workflow give Core to check <c>run:</c> scripts, and how a step that does not parse is told.
/// </summary>
internal sealed class PowerShellScriptChecker : IStepScriptChecker
{
    public static readonly PowerShellScriptChecker Instance = new();

    public IReadOnlyList<ScriptSyntaxError> Check(string path)
    {
        Parser.ParseFile(path, out _, out var errors);
        return Errors(errors);
    }

    public static IReadOnlyList<ScriptSyntaxError> Errors(IEnumerable<ParseError> errors) =>
        errors.Select(e => new ScriptSyntaxError(e.Extent.StartLineNumber, e.Extent.StartColumnNumber, e.Message, e.ErrorId)).ToList();
}
