# Invoke-DataCollector as a user meets it: records with their sources, errors with their ids,
# completion of collector names, help. Each test has a workflow home of its own, deleted afterwards.
Describe 'Invoke-DataCollector' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'

        function Assert-WorkflowError {
            param($ErrorRecord, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category)
            $ErrorRecord.FullyQualifiedErrorId | Should -BeLike "$ErrorId*"
            $ErrorRecord.CategoryInfo.Category | Should -Be $Category
        }
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
        # The machine's own Electricity Maps token must not change what the bundled data gives.
        $savedToken = $env:ELECTRICITY_MAPS_AUTH_TOKEN
        Remove-Item Env:ELECTRICITY_MAPS_AUTH_TOKEN -ErrorAction Ignore
    }

    AfterEach {
        if ($savedToken) { $env:ELECTRICITY_MAPS_AUTH_TOKEN = $savedToken }
        Remove-TestHome $testHome
    }

    It 'emits 24 hourly CarbonIntensity records per region, each with its Source' {
        $records = Invoke-DataCollector carbon -Region us-east-1, aws:ca-central-1
        $records | Should -HaveCount 48
        $records | ForEach-Object { $_ | Should -BeOfType ([Workflow.Model.CarbonIntensity]) }
        $east = $records | Where-Object Region -EQ 'aws:us-east-1'
        ($east.Hour | Sort-Object) | Should -Be (0..23)
        $east[0].Zone | Should -Be 'US-MIDA-PJM'
        $east[0].Source | Should -BeLike 'Electricity Maps hourly 2024*mean of 2024-*'
        $canada = $records | Where-Object Region -EQ 'aws:ca-central-1'
        $canada | ForEach-Object { $_.Flat | Should -BeTrue; $_.GramsPerKwh | Should -Be 30.51 }
        ($records | Format-Table | Out-String) | Should -Match 'GramsPerKwh'
    }

    It 'emits facts, latencies and step profiles, and stores what it collected' {
        $facts = Invoke-DataCollector provider -Region us-east-1
        $facts | Should -BeOfType ([Workflow.Model.RegionFacts])
        $facts.PriceSource | Should -Be 'AWS list price, us-east-1, 2024 (bundled)'
        $latencies = Invoke-DataCollector performance -Region us-east-1, us-west-2
        $latencies | Should -HaveCount 4
        $latencies[0].Source | Should -BeLike 'modelled: *assumed*'

        $folder = New-TestWorkflow -Name learn -Yaml "name: learn`nversion: 1.0.0`nsteps:`n  - name: hello`n    command: [sh, -c, 'cat > /dev/null; echo {}']`n"
        $run = Publish-Workflow $folder | Start-WorkflowRun -Wait
        $run.State | Should -Be 'Succeeded'
        $profile = Get-Workflow learn-1.0.0 | Invoke-DataCollector workflow
        $profile | Should -BeOfType ([Workflow.Model.StepProfile])
        $profile.Step | Should -Be 'hello'
        $profile.Runs | Should -Be 1
        $profile.RuntimeSeconds['local'] | Should -HaveCount 1
        $profile.Source | Should -BeLike 'run history of learn-1.0.0*'
    }

    It 'warns about a region without carbon data instead of dropping it silently' {
        $records = Invoke-DataCollector carbon -Region ca-west-1, us-west-2 -WarningVariable warnings -WarningAction SilentlyContinue
        $records | Should -HaveCount 24
        $warnings | Should -HaveCount 1
        "$warnings" | Should -BeLike '*aws:ca-west-1*skipped*'
    }

    It 'imports a latency table given with -Path' {
        $path = Join-Path $testHome latency.csv
        Set-Content $path "from,to,mean_ms,p95_ms,mbps`nus-east-1,us-west-2,31.5,40,800"
        $latency = Invoke-DataCollector performance -Path $path
        $latency.From | Should -Be 'aws:us-east-1'
        $latency.MeanSeconds | Should -Be 0.0315
        $latency.Source | Should -Be 'imported from latency.csv'
    }

    It 'stops with <ErrorId> (<Category>) for <Case>' -ForEach @(
        @{ Case = 'a missing -Path file'; ErrorId = 'PlacementDataFileNotFound'; Category = 'ObjectNotFound'; Arguments = @{ Collector = 'Carbon'; Path = 'no-such-export.csv' } }
        @{ Case = 'a file that is no carbon table'; ErrorId = 'PlacementDataFileInvalid'; Category = 'InvalidData'; Arguments = @{ Collector = 'Carbon'; Path = 'bad' } }
        @{ Case = 'an unknown region'; ErrorId = 'PlacementRegionUnknown'; Category = 'InvalidArgument'; Arguments = @{ Collector = 'Provider'; Region = 'aws:mars-north-1' } }
        @{ Case = 'the workflow collector without -WorkflowId'; ErrorId = 'PlacementWorkflowIdRequired'; Category = 'InvalidArgument'; Arguments = @{ Collector = 'Workflow' } }
        @{ Case = '-Path with the provider collector'; ErrorId = 'PlacementPathNotApplicable'; Category = 'InvalidArgument'; Arguments = @{ Collector = 'Provider'; Path = 'x.csv' } }
    ) {
        if ($Arguments.Path -eq 'bad') {
            $Arguments.Path = Join-Path $testHome 'bad.csv'
            Set-Content $Arguments.Path "Datetime (UTC),Zone Id,Price`n2025-01-01 00:00:00,DE,3"
        }
        $record = $null
        try { Invoke-DataCollector @Arguments } catch { $record = $_ }
        $record | Should -Not -BeNullOrEmpty
        Assert-WorkflowError $record $ErrorId $Category
    }

    It 'is PlacementNoRunHistory for a workflow that never ran' {
        $folder = New-TestWorkflow -Name idle -Yaml "name: idle`nversion: 1.0.0`nsteps:`n  - name: hello`n    command: [sh, -c, 'echo {}']`n"
        $null = Publish-Workflow $folder
        { Invoke-DataCollector workflow -WorkflowId idle-1.0.0 } | Should -Throw -ErrorId 'PlacementNoRunHistory,*'
    }

    It 'completes collector names' {
        Get-Completion 'Invoke-DataCollector ca' | Should -Be 'Carbon'
        $all = Get-Completion 'Invoke-DataCollector -Collector '
        foreach ($name in 'Provider', 'Carbon', 'Performance', 'Workflow', 'All') { $all | Should -Contain $name }
    }

    It 'has help with examples, and the data''s sources and terms in the module folder' {
        $help = Get-Help Invoke-DataCollector -Full
        $help.Synopsis | Should -BeLike 'Collects region facts*'
        @((Get-Help Invoke-DataCollector -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
        $help.parameters.parameter | Where-Object { -not $_.description } | Should -BeNullOrEmpty
        $data = Join-Path (Split-Path (Get-StagedModule)) 'data/carbon'
        Get-Content (Join-Path $data 'SOURCES.md') -Raw | Should -BeLike '*Electricity Maps*ODbL*'
        Get-Content (Join-Path $data 'NOTICE.md') -Raw | Should -BeLike '*Attribution: "Electricity Maps"*'
    }
}

# Find-WorkflowDeployment as a user meets it: a workflow run on this machine, data collected offline,
# one plan per hour that honours pins and disallowed regions, errors with their ids, a table view.
Describe 'Find-WorkflowDeployment' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'
    }

    BeforeEach {
        $testHome = New-TestHome
        Import-StagedModule
        $savedToken = $env:ELECTRICITY_MAPS_AUTH_TOKEN
        Remove-Item Env:ELECTRICITY_MAPS_AUTH_TOKEN -ErrorAction Ignore
        $folder = New-TestWorkflow -Name placed -Yaml @'
name: placed
version: 1.0.0
home_region: aws:us-east-1
regions:
  allowed: [aws:us-east-1, aws:us-west-2, aws:ca-central-1, aws:eu-central-1]
  disallowed: [aws:eu-central-1]
steps:
  - name: ingest
    command: [sh, -c, 'cat > /dev/null; echo "{\"n\": 1}"']
  - name: transform
    needs: ingest
    command: [sh, -c, 'cat > /dev/null; echo "{\"n\": 2}"']
  - name: report
    needs: transform
    command: [sh, -c, 'cat > /dev/null; echo "{\"n\": 3}"']
    regions: [aws:us-east-1]
'@
        $null = Publish-Workflow $folder
    }

    AfterEach {
        if ($savedToken) { $env:ELECTRICITY_MAPS_AUTH_TOKEN = $savedToken }
        Remove-TestHome $testHome
    }

    It 'is PlacementDataMissing, naming the collector to run, before anything was collected' {
        $null = Start-WorkflowRun placed-1.0.0 -Wait
        $failure = $null
        try { Find-WorkflowDeployment placed-1.0.0 } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PlacementDataMissing,*'
        $failure.CategoryInfo.Category | Should -Be ObjectNotFound
        $failure.Exception.Message | Should -Match 'Invoke-DataCollector'
    }

    It 'plans every hour from the bundled data, keeps the pinned step home and the disallowed region out' {
        1..2 | ForEach-Object { $null = Start-WorkflowRun placed-1.0.0 -Wait }
        $null = Invoke-DataCollector all -WorkflowId placed-1.0.0

        $plans = Find-WorkflowDeployment placed-1.0.0

        $plans | Should -HaveCount 24
        ($plans.Hour) | Should -Be (0..23)
        foreach ($plan in $plans) {
            $plan | Should -BeOfType ([Workflow.Model.DeploymentPlan])
            $plan.Placement['report'] | Should -Be 'aws:us-east-1'
            $plan.Placement.Values | Should -Not -Contain 'aws:eu-central-1'
            $plan.Carbon.Mean | Should -BeLessOrEqual $plan.Home.Carbon.Mean
            $plan.Sources | Should -Not -BeNullOrEmpty
            $plan.Assumptions | Where-Object { $_ -like '*runtimes measured on this machine*' } | Should -Not -BeNullOrEmpty
        }
        # Canada's grid (30 g/kWh, flat) is far cleaner than PJM's: the free steps go there.
        $plans[0].Placement['ingest'] | Should -Be 'aws:ca-central-1'
        $plans[0].CarbonSavedPercent | Should -BeGreaterThan 0
        ($plans | Format-Table | Out-String) | Should -Match 'Saved%'
    }

    It 'plans only the hours asked, and Exhaustive and Coarse on request' {
        $null = Start-WorkflowRun placed-1.0.0 -Wait
        $null = Invoke-DataCollector all -WorkflowId placed-1.0.0

        $exact = Find-WorkflowDeployment placed-1.0.0 -Hour 3, 15 -Algorithm Exhaustive
        $coarse = Find-WorkflowDeployment placed-1.0.0 -Hour 3 -Algorithm Coarse
        $default = Find-WorkflowDeployment placed-1.0.0 -Hour 3

        $exact.Hour | Should -Be @(3, 15)
        $exact[0].Algorithm | Should -Be 'Exhaustive'
        $coarse.Algorithm | Should -Be 'Coarse'
        $default.Carbon.Mean | Should -BeLessOrEqual ($exact[0].Carbon.Mean * 1.01)
        $default.Carbon.Mean | Should -BeLessOrEqual ($coarse.Carbon.Mean * 1.000001)
    }

    It 'runs the placement example as the README says' {
        $script = Join-Path $testHome 'placement.ps1'
        Set-Content $script "Import-Module `$env:WORKFLOW_MODULE -ErrorAction Stop`n& '$(Join-Path (Get-RepoRoot) examples/placement.ps1)'`n"
        $child = Invoke-ChildPwsh -File $script -TimeoutSeconds 300

        $child.Errors | Should -BeNullOrEmpty
        $child.ExitCode | Should -Be 0
        $child.Output | Should -Match 'Mean carbon saved over the day: \d+\.\d%'
        $child.Output | Should -Match 'What if: .*carbon-placement-1\.0\.0'
    }

    It 'completes algorithm names and has help with examples' {
        Get-Completion 'Find-WorkflowDeployment -Algorithm Ex' | Should -Be 'Exhaustive'
        Get-Completion 'Find-WorkflowDeployment plac' | Should -Contain 'placed-1.0.0'
        @((Get-Help Find-WorkflowDeployment -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
        @((Get-Help Move-WorkflowDeployment -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }
}
