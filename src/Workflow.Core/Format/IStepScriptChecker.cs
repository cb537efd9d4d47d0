using System.Collections.Generic;

namespace Workflow.Format;

/// <summary>
/// Checks the syntax of a step's script file. Core reads workflow.yml but knows no PowerShell: the
/// cmdlet layer gives a checker built on PowerShell's own parser to Test-Workflow and Publish-Workflow.
/// </summary>
public interface IStepScriptChecker
{
    /// <summary>The syntax errors of the script at this full path, in file order; empty when it parses.</summary>
    IReadOnlyList<ScriptSyntaxError> Check(string path);
}

/// <summary>One syntax error of a script: where (1-based), what, and the parser's own id for it (MissingEndCurlyBrace).</summary>
public sealed record ScriptSyntaxError(int Line, int Column, string Message, string ParserErrorId);
