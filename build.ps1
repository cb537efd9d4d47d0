<#
.SYNOPSIS
    Builds, stages, tests and benchmarks Workflow.PowerShell (for machines with pwsh).
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Format', 'Test', 'Pester', 'QuickStart', 'Bench')]
    [string[]] $Task = @('Build'),
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

switch ($Task) {
    'Build' {
        # Building the cmdlet project stages the module folder at out/Workflow.PowerShell.
        dotnet build src/Workflow.PowerShell -c $Configuration
        if ($LASTEXITCODE) { throw "build failed ($LASTEXITCODE)" }
    }
    'Format' {
        dotnet format whitespace Workflow.PowerShell.slnx
        dotnet format style Workflow.PowerShell.slnx --severity warn
    }
    'Test' {
        dotnet test Workflow.PowerShell.slnx -c $Configuration
        if ($LASTEXITCODE) { throw "tests failed ($LASTEXITCODE)" }
    }
    'Pester' {
        Import-Module Pester -MinimumVersion 5.0
        Invoke-Pester -Path tests/pester -Output Detailed
    }
    'QuickStart' {
        Import-Module ./out/Workflow.PowerShell -Force
        ./examples/quickstart.ps1
    }
    'Bench' {
        Import-Module ./out/Workflow.PowerShell -Force
        ./bench/engine.ps1
    }
}
