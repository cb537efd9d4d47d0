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

        function Get-Completion([string] $Text) {
            (TabExpansion2 -inputScript $Text -cursorColumn $Text.Length).CompletionMatches.CompletionText
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
