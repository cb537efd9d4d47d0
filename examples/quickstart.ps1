# Quickstart: publish the example workflows to the embedded engine, run them, read the results.
# Runs as is in pwsh (after Import-Module ./out/Workflow.PowerShell) and in the bundled host.
# Each statement ends in Out-Default so that every kind of object gets its own table.
$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot

# Check the workflow: no output means no problem.
Test-Workflow "$here/image-pipeline" | Out-Default
$workflow = Publish-Workflow "$here/image-pipeline" -Force
$workflow | Out-Default

# Start a run, wait for it with progress, and read its output.
$run = $workflow | Start-WorkflowRun -Argument @{ count = 6 } -Wait
$run | Out-Default
$run.Steps | Out-Default
$run | Receive-WorkflowRun | Out-Default

# The log of the run: verbose, information and warning lines of every step.
$run | Get-WorkflowLog | Out-Default

# Command steps: JSON on stdin/stdout, logs on stderr.
Publish-Workflow "$here/command-steps" -Force | Start-WorkflowRun -Wait | Out-Default

# The run as a Mermaid graph, coloured by step state.
Export-WorkflowGraph -RunId $run.RunId
