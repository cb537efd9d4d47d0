namespace Workflow.PowerShell.Executors;

/// <summary>
/// Steps log through Write-Verbose/Warning/Information/Error and may pause with Start-Sleep. Those
/// live in Microsoft.PowerShell.Utility, which pwsh has but a hosted engine (the SMA package, some
/// runbook hosts) lacks. Where a command is missing, a small function stands in; where it exists,
/// nothing is defined and the real cmdlet runs.
/// </summary>
internal static class StepShims
{
    public const string Script = @"
$global:VerbosePreference = 'Continue'
if (-not (Get-Command Write-Verbose -ErrorAction Ignore)) {
    function global:Write-Verbose { [CmdletBinding()] param([Parameter(Position = 0, ValueFromPipeline = $true)][string] $Message) process { $PSCmdlet.WriteVerbose($Message) } }
}
if (-not (Get-Command Write-Warning -ErrorAction Ignore)) {
    function global:Write-Warning { [CmdletBinding()] param([Parameter(Position = 0, ValueFromPipeline = $true)][string] $Message) process { $PSCmdlet.WriteWarning($Message) } }
}
if (-not (Get-Command Write-Debug -ErrorAction Ignore)) {
    function global:Write-Debug { [CmdletBinding()] param([Parameter(Position = 0, ValueFromPipeline = $true)][string] $Message) process { $PSCmdlet.WriteDebug($Message) } }
}
if (-not (Get-Command Write-Information -ErrorAction Ignore)) {
    function global:Write-Information { [CmdletBinding()] param([Parameter(Position = 0, ValueFromPipeline = $true)] $MessageData, [string[]] $Tags) process { $PSCmdlet.WriteInformation($MessageData, $Tags) } }
}
if (-not (Get-Command Write-Host -ErrorAction Ignore)) {
    function global:Write-Host { [CmdletBinding()] param([Parameter(Position = 0, ValueFromRemainingArguments = $true)] $Object) process { $PSCmdlet.WriteInformation(($Object -join ' '), [string[]] @('PSHOST')) } }
}
if (-not (Get-Command Write-Output -ErrorAction Ignore)) {
    function global:Write-Output { param([Parameter(Position = 0, ValueFromPipeline = $true, ValueFromRemainingArguments = $true)] $InputObject) process { $InputObject } }
}
if (-not (Get-Command Write-Error -ErrorAction Ignore)) {
    function global:Write-Error {
        [CmdletBinding()] param([Parameter(Position = 0, ValueFromPipeline = $true)][string] $Message)
        process { $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new([System.Exception]::new($Message), 'StepWriteError', 'NotSpecified', $null)) }
    }
}
if (-not (Get-Command Start-Sleep -ErrorAction Ignore)) {
    function global:Start-Sleep {
        param([Parameter(Position = 0)][double] $Seconds, [int] $Milliseconds)
        # Short naps, so that stopping the step (timeout, Stop-WorkflowRun) is not held up.
        $until = [DateTime]::UtcNow.AddMilliseconds($Seconds * 1000 + $Milliseconds)
        while ([DateTime]::UtcNow -lt $until) { [System.Threading.Thread]::Sleep([int][Math]::Max(1, [Math]::Min(50, ($until - [DateTime]::UtcNow).TotalMilliseconds))) }
    }
}
";
}
