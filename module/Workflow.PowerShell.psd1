@{
    RootModule           = 'Workflow.PowerShell.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f4c1e-2f7a-4a57-9d0e-8c3f6a0d9e21'
    Author               = 'Workflow.PowerShell developers'
    CompanyName          = 'Workflow.PowerShell'
    Copyright            = '(c) Workflow.PowerShell developers. MIT License.'
    Description          = 'Define, publish, run and place cloud workflows from PowerShell: an embedded engine with a SQLite store out of the box.'
    # CI tests PowerShell 7.6 on Linux. The assemblies target netstandard2.0, but Windows PowerShell
    # 5.1 has no load contexts for the engine's dependencies and is not tested: it is not claimed.
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Workflow.PowerShell.format.ps1xml')
    TypesToProcess       = @('Workflow.PowerShell.types.ps1xml')
    CmdletsToExport      = @(
        'New-Workflow', 'Test-Workflow', 'Publish-Workflow', 'Get-Workflow', 'Remove-Workflow',
        'Start-WorkflowRun', 'Get-WorkflowRun', 'Wait-WorkflowRun', 'Stop-WorkflowRun', 'Resume-WorkflowRun',
        'Receive-WorkflowRun', 'Get-WorkflowLog', 'Export-WorkflowGraph',
        'Start-WorkflowWorker', 'Get-WorkflowDeadLetter', 'Restore-WorkflowDeadLetter', 'Sync-WorkflowLog',
        'Invoke-DataCollector', 'Find-WorkflowDeployment', 'Move-WorkflowDeployment'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Workflow', 'DAG', 'Automation', 'Carbon', 'AWS', 'Serverless')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'See CHANGELOG.md.'
        }
    }
}
