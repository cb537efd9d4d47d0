# Loads the module's compiled cmdlets. The cmdlets and the types they emit (Workflow.PowerShell.dll,
# Workflow.Model.dll) load into PowerShell's default context, so [Workflow.Model.WorkflowRun] works
# as a type literal; the engine and its third-party dependencies under lib/ load into an
# AssemblyLoadContext of the module's own (Workflow.PowerShell.Loader.dll), so the versions it
# ships never clash with those another module loaded into the session.
$loader = [System.IO.Path]::Combine($PSScriptRoot, 'Workflow.PowerShell.Loader.dll')
$loaded = [bool]('Workflow.PowerShell.Loader.ModuleLoadContext' -as [type])
# LoadFrom, not Add-Type: hosts with only the SMA package (some runbook hosts) have no Microsoft.PowerShell.Utility.
if (-not $loaded) { $null = [System.Reflection.Assembly]::LoadFrom($loader) }
$assembly = [Workflow.PowerShell.Loader.ModuleLoadContext]::LoadModule($PSScriptRoot)
$inner = Import-Module -Assembly $assembly -Force -PassThru
if ([Workflow.PowerShell.Loader.ModuleLoadContext]::ImportedBefore([runspace]::DefaultRunspace) -and $inner) {
    # Importing the module again in a runspace that had it reuses the cached module and does not
    # hand its cmdlets to this module again (PowerShell/PowerShell#20710): add them back by hand.
    $add = [System.Management.Automation.PSModuleInfo].GetMethod('AddExportedCmdlet', [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($cmdlet in $inner.ExportedCmdlets.Values) { $null = $add.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet)) }
}
