# Applying a placement on fauxqs (S3 + SQS on loopback) with workers of two regions, each in a pwsh
# process of its own: each step runs in its planned region (the step's context.region says where)
# and the run Succeeds. fauxqs missing fails the tests.
Describe 'Placement across regions' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'

        function New-PlacedWorkflow {
            New-TestWorkflow -Name placed -Yaml @'
name: placed
version: 1.0.0
home_region: aws:us-east-1
regions:
  allowed: [aws:us-east-1, aws:us-west-2]
steps:
  - name: ingest
    run: where.ps1
  - name: transform
    needs: ingest
    run: where.ps1
  - name: report
    needs: transform
    run: where.ps1
'@ -Files @{ 'where.ps1' = @'
param($Context)
# Each step adds the region it ran in to those of the steps before it.
$before = switch ($Context.context.step) { 'transform' { $Context.steps.ingest.regions } 'report' { $Context.steps.transform.regions } default { @() } }
@{ regions = @($before) + $Context.context.region }
'@ }
        }

        function New-Plan([string] $WorkflowId, [int] $Hour, [hashtable] $Placement) {
            $steps = [System.Collections.Generic.Dictionary[string, string]]::new()
            foreach ($key in $Placement.Keys) { $steps[$key] = $Placement[$key] }
            [Workflow.Model.DeploymentPlan]@{ WorkflowId = $WorkflowId; Hour = $Hour; HomeRegion = 'aws:us-east-1'; Placement = $steps }
        }
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
        $aws = Start-Fauxqs
        $bucket = 'wf-test-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $null = Publish-Workflow (New-PlacedWorkflow) -Region aws:us-east-1 -Bucket $bucket
        $workers = @()
    }

    AfterEach {
        foreach ($worker in $workers) { Stop-ChildPwsh $worker.Process }
        Remove-TestHome $testHome
        Stop-Fauxqs $aws
    }

    It 'runs each step in the region its plan for the start hour names, on that region''s workers' {
        $workers = @(
            Start-TestWorker -TestHome $testHome -Index 1 -Bucket $bucket -Region aws:us-east-1
            Start-TestWorker -TestHome $testHome -Index 2 -Bucket $bucket -Region aws:us-west-2
        )
        Wait-TestWorker $workers 'takes tasks of' 60 | Should -BeTrue -Because (($workers | ForEach-Object { Get-TestWorkerLine $_ }) -join "`n")
        $plans = 0..23 | ForEach-Object { New-Plan placed-1.0.0 $_ @{ transform = 'aws:us-west-2' } }

        $moved = $plans | Move-WorkflowDeployment

        $moved.WorkflowId | Should -Be placed-1.0.0
        $moved.Placement.Regions | Should -Be @('aws:us-east-1', 'aws:us-west-2')
        (Get-Workflow placed-1.0.0).Regions | Should -Be 'local, aws:us-east-1, aws:us-west-2'
        Test-FauxqsObject $aws $bucket placements/placed-1.0.0.json | Should -BeTrue

        $run = Start-WorkflowRun placed-1.0.0 -Wait
        $run.State | Should -Be Succeeded
        ($run.Steps | ForEach-Object { "$($_.Step)=$($_.Region)" }) -join ' ' | Should -Be 'ingest=aws:us-east-1 transform=aws:us-west-2 report=aws:us-east-1'
        # What each step itself saw as context.region, passed down the chain.
        ($run | Receive-WorkflowRun).regions | Should -Be @('aws:us-east-1', 'aws:us-west-2', 'aws:us-east-1')
    }

    It 'applies the plans Find-WorkflowDeployment makes from runs on this machine, and a run follows the plan of its start hour' {
        $workers = @(
            Start-TestWorker -TestHome $testHome -Index 1 -Bucket $bucket -Region aws:us-east-1
            Start-TestWorker -TestHome $testHome -Index 2 -Bucket $bucket -Region aws:us-west-2
        )
        1..2 | ForEach-Object { $null = Start-WorkflowRun placed-1.0.0 -Region local -Wait }
        $null = Invoke-DataCollector all -WorkflowId placed-1.0.0
        Wait-TestWorker $workers 'takes tasks of' 60 | Should -BeTrue

        $plans = Find-WorkflowDeployment placed-1.0.0
        $null = $plans | Move-WorkflowDeployment
        $run = Start-WorkflowRun placed-1.0.0 -Wait

        $run.State | Should -Be Succeeded
        $planned = ($plans | Where-Object Hour -EQ $run.CreatedAt.UtcDateTime.Hour).Placement
        foreach ($step in $run.Steps) { $step.Region | Should -Be $planned[$step.Step] -Because "step $($step.Step)" }
        ($run | Receive-WorkflowRun).regions | Should -Be @($planned['ingest'], $planned['transform'], $planned['report'])
    }

    It 'refuses a placement whose region has no worker, records nothing, and says how to start one' {
        $workers = @(Start-TestWorker -TestHome $testHome -Index 1 -Bucket $bucket -Region aws:us-east-1)
        Wait-TestWorker $workers 'takes tasks of' 60 | Should -BeTrue
        $plans = 0..23 | ForEach-Object { New-Plan placed-1.0.0 $_ @{ transform = 'aws:us-west-2' } }

        $failure = $null
        try { $plans | Move-WorkflowDeployment -ErrorAction Stop } catch { $failure = $_ }

        $failure.FullyQualifiedErrorId.Split(',')[0] | Should -Be PlacementRegionHasNoWorker
        $failure.CategoryInfo.Category | Should -Be InvalidOperation
        $failure.Exception.Message | Should -Match 'Start-WorkflowWorker -Region aws:us-west-2'
        (Get-Workflow placed-1.0.0).Placement | Should -BeNullOrEmpty
        Test-FauxqsObject $aws $bucket placements/placed-1.0.0.json | Should -BeFalse

        $forced = $plans | Move-WorkflowDeployment -Force -WarningVariable warned -WarningAction SilentlyContinue
        $forced.Placement | Should -Not -BeNullOrEmpty
        "$warned" | Should -Match 'No worker polls aws:us-west-2'
    }

    It 'removing the workflow tears down every region the placement used' {
        $workers = @(
            Start-TestWorker -TestHome $testHome -Index 1 -Bucket $bucket -Region aws:us-east-1
            Start-TestWorker -TestHome $testHome -Index 2 -Bucket $bucket -Region aws:us-west-2
        )
        Wait-TestWorker $workers 'takes tasks of' 60 | Should -BeTrue
        $null = 0..23 | ForEach-Object { New-Plan placed-1.0.0 $_ @{ transform = 'aws:us-west-2' } } | Move-WorkflowDeployment
        @(Get-FauxqsQueueList $aws | Where-Object name -eq workflow-placed-1_0_0).Count | Should -Be 2

        Remove-Workflow placed-1.0.0 -Confirm:$false

        @(Get-FauxqsQueueList $aws | Where-Object name -like workflow-placed*).Count | Should -Be 0
        Test-FauxqsObject $aws $bucket placements/placed-1.0.0.json | Should -BeFalse
        Test-FauxqsObject $aws $bucket deployments/us-west-2/placed-1.0.0.json | Should -BeFalse
    }
}
