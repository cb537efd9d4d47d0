# Carbon-aware placement on the bundled data, offline: learn a workflow's steps from three runs on
# this machine, collect region, carbon and latency data, plan each hour of the day, and show what
# applying the plans would do. Applying them (without -WhatIf) needs the workflow deployed to its
# home region and a worker in each region the plans use: see the README's "Carbon-aware placement".
$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot

$workflow = Publish-Workflow "$here/carbon-placement" -Force
# home_region is aws:us-east-1 but it is not deployed there: -Region local runs it on this machine.
1..3 | ForEach-Object { $null = Start-WorkflowRun $workflow.WorkflowId -Region local -Wait }

# Offline: the bundled 2024 Electricity Maps data, region facts and modelled latencies, and the
# step profiles of the three runs. Every record has a Source.
$collected = Invoke-DataCollector all -WorkflowId $workflow.WorkflowId
$collected | Group-Object { $_.GetType().Name } -NoElement | Out-Default

$plans = Find-WorkflowDeployment $workflow.WorkflowId
$plans | Where-Object Hour -In 0, 6, 12, 18 | Out-Default
$plans | Where-Object Hour -EQ 12 | Format-List Hour, Placement, Carbon, Cost, Runtime, Home, CarbonSavedPercent, Binding, SolveTime, Assumptions | Out-Default
'Mean carbon saved over the day: {0:N1}%' -f ($plans | Measure-Object CarbonSavedPercent -Average).Average

$plans | Move-WorkflowDeployment -WhatIf
