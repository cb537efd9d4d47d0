namespace Workflow.Docker;

/// <summary>
/// The script pwsh runs in a container for a run: step. It gives the step script the same $Context
/// the local script executor gives (the input document with <c>env</c>, the step's environment),
/// sends its log streams to stderr (the step's log), and writes its output objects (none: null, one:
/// itself, more: an array) as JSON into WORKFLOW_OUTPUT. A terminating error exits 1 with the
/// error and where it was thrown as the last stderr line.
/// </summary>
internal static class ContainerShim
{
    /// <summary>The shim's file name in the attempt's io folder.</summary>
    public const string FileName = "run-step.ps1";

    public const string Script = @"param([string] $Script, [string] $Run, [string] $EnvironmentNames)
$VerbosePreference = 'Continue'
$InformationPreference = 'Continue'
$document = [IO.File]::ReadAllText($env:WORKFLOW_INPUT) | ConvertFrom-Json
$environment = @{}
foreach ($name in ($EnvironmentNames -split ',')) {
    if ($name) { $environment[$name] = [Environment]::GetEnvironmentVariable($name) }
}
$document | Add-Member -NotePropertyName env -NotePropertyValue $environment
$log = [Console]::Error
try {
    $output = @(& $Script $document 2>&1 3>&1 4>&1 5>&1 6>&1 | ForEach-Object {
        # if, not switch: switch would enumerate an array the script wrote as one object.
        if ($_ -is [System.Management.Automation.ErrorRecord]) { $log.WriteLine(""ERROR: $_"") }
        elseif ($_ -is [System.Management.Automation.WarningRecord]) { $log.WriteLine(""WARNING: $($_.Message)"") }
        elseif ($_ -is [System.Management.Automation.VerboseRecord]) { $log.WriteLine(""VERBOSE: $($_.Message)"") }
        elseif ($_ -is [System.Management.Automation.DebugRecord]) { $log.WriteLine(""DEBUG: $($_.Message)"") }
        elseif ($_ -is [System.Management.Automation.InformationRecord]) { $log.WriteLine(""$($_.MessageData)"") }
        else { , $_ }
    })
}
catch {
    $at = $_.InvocationInfo
    $where = if ($at -and $at.ScriptName) { "" (at $($at.ScriptName -replace '^/workflow/package/', ''):$($at.ScriptLineNumber):$($at.OffsetInLine))"" } else { '' }
    $log.WriteLine(""The script $Run threw: $($_.Exception.Message)$where"")
    exit 1
}
$json = switch ($output.Count) {
    0 { 'null' }
    1 { ConvertTo-Json -InputObject $output[0] -Depth 64 -Compress }
    default { ConvertTo-Json -InputObject $output -Depth 64 -Compress }
}
[IO.File]::WriteAllText($env:WORKFLOW_OUTPUT, $json)
";
}
