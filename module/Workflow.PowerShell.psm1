# Loads the module's compiled cmdlets. On PowerShell 7 they and their dependencies go into an
# AssemblyLoadContext of their own (Workflow.PowerShell.Loader.dll), so the versions this module
# ships never clash with those another module loaded into the session. Windows PowerShell has no
# load contexts: there the assembly loads as usual.
$assembly = if ($PSEdition -eq 'Core') {
    $null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Workflow.PowerShell.Loader.dll'))
    [Workflow.PowerShell.Loader.ModuleLoadContext]::LoadModule($PSScriptRoot)
}
else {
    [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Workflow.PowerShell.dll'))
}
Import-Module -Assembly $assembly -Force
