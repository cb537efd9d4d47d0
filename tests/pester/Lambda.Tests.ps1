# Serverless workers end to end: Publish-Workflow -Compute Lambda against fauxqs (S3 + SQS) and the
# Lambda fixture (AWS's Lambda model on loopback, functions run through @vercel/fun, SQS event-source
# mappings polling fauxqs), checked through the fixture with Debian's aws CLI. The steps run inside
# the function's bootstrap (they say so from its environment). The fixture runs at most two function
# processes at once: each cold start is a pwsh, and the machine has two cores. A missing fauxqs,
# fixture, node or aws CLI fails the tests.
Describe 'Workers hosted on Lambda' {
    BeforeAll {
        Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
        $ErrorActionPreference = 'Stop'
        if (-not (Test-Path /usr/bin/aws)) { throw 'The aws CLI is not installed at /usr/bin/aws (apt-get install awscli; .ci/run does).' }
        $testHome = New-TestHome
        Import-StagedModule
        $aws = Start-Fauxqs
        # The functions' bootstrap looks for pwsh on PATH: the fixture (and so fun) gets a shim of this pwsh.
        $shim = New-PwshShim (Join-Path $testHome 'shim')
        $path = $env:PATH
        $env:PATH = $shim + [IO.Path]::PathSeparator + $env:PATH
        try { $lambda = Start-LambdaFixture -SqsEndpoint $aws.Endpoint -Concurrency 2 }
        finally { $env:PATH = $path }
        $bucket = 'wf-lambda-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $function = 'workflow-fan-1_0_0-us-east-1'

        function Invoke-LambdaCli([string[]] $Arguments, [string] $Region = 'us-east-1') {
            # The fixture as another client sees it: Debian's aws CLI, JSON out.
            $output = & /usr/bin/aws --endpoint-url $lambda.Endpoint --region $Region --output json lambda @Arguments 2>&1
            if ($LASTEXITCODE) { throw "aws lambda $Arguments failed: $output" }
            ($output -join "`n") | ConvertFrom-Json
        }

        function Get-ErrorRecord([scriptblock] $ScriptBlock) {
            $ErrorActionPreference = 'Continue'
            try { & $ScriptBlock 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } }
            catch { $_ }
        }

        $fan = New-FanWorkflow
        # The last step also says where it ran: the function's name and Runtime API, from its environment.
        Set-Content (Join-Path $fan 'steps/tail.ps1') "param(`$Context)`n@{ total = `$Context.steps.join.sum + 1; fn = `$env:AWS_LAMBDA_FUNCTION_NAME; api = `$env:AWS_LAMBDA_RUNTIME_API; pid = `$PID }`n"
    }

    AfterAll {
        if ($lambda) { Stop-LambdaFixture $lambda }
        Stop-Fauxqs $aws
        Remove-TestHome $testHome
    }

    It 'publishes the worker function and one mapping that reports batch item failures' {
        $info = Publish-Workflow $fan -Region aws:us-east-1 -Bucket $bucket -Compute Lambda

        $deployment = $info.Deployments | Where-Object Region -eq aws:us-east-1
        $deployment.Compute | Should -Be Lambda
        $deployment.FunctionName | Should -Be $function
        ($info.Deployments | Format-Table | Out-String) | Should -Match "aws:us-east-1\s+Lambda\s+$function"
        ($info | Format-List | Out-String) | Should -BeLike "*aws:us-east-1 Lambda ($function)*"
        $config = (Invoke-LambdaCli get-function, --function-name, $function).Configuration
        $config.Runtime | Should -Be 'provided.al2023'
        $config.MemorySize | Should -Be 512   # memory_mb of the steps (the default)
        $config.Timeout | Should -Be 360      # the longest step timeout (5m) + 60 s
        $variables = $config.Environment.Variables
        @($variables.PSObject.Properties.Name | Sort-Object) | Should -Be @('AWS_ENDPOINT_URL', 'WORKFLOW_AWS_BUCKET', 'WORKFLOW_ID', 'WORKFLOW_LAMBDA_CONCURRENCY', 'WORKFLOW_LAMBDA_TIMEOUT', 'WORKFLOW_REGION')
        $variables.WORKFLOW_ID | Should -Be 'fan-1.0.0'
        $variables.WORKFLOW_AWS_BUCKET | Should -Be $bucket
        $mappings = @((Invoke-LambdaCli list-event-source-mappings, --function-name, $function).EventSourceMappings)
        $mappings | Should -HaveCount 1
        $mappings[0].EventSourceArn | Should -Be 'arn:aws:sqs:us-east-1:000000000000:workflow-fan-1_0_0'
        $mappings[0].FunctionResponseTypes | Should -Be @('ReportBatchItemFailures')
        $url = (Invoke-FauxqsSqs $aws GetQueueUrl @{ QueueName = 'workflow-fan-1_0_0' }).QueueUrl
        [int] (Invoke-FauxqsSqs $aws GetQueueAttributes @{ QueueUrl = $url; AttributeNames = @('VisibilityTimeout') }).Attributes.VisibilityTimeout | Should -BeGreaterOrEqual 360
    }

    It 'carries several runs on inside the function, with no worker started' {
        $runs = @(1..4 | ForEach-Object { Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1 })
        $done = @($runs | ForEach-Object { Wait-WorkflowRun $_.RunId -Timeout 240 })

        $done | ForEach-Object State | Select-Object -Unique | Should -Be 'Succeeded'
        foreach ($run in $done) {
            $output = Receive-WorkflowRun $run.RunId
            [int] $output.total | Should -Be 61
            $output.fn | Should -Be $function
            $output.api | Should -Match '^127\.0\.0\.1:\d+$'
            $output.pid | Should -Not -Be $PID
            (Get-WorkflowRun $run.RunId).Steps | ForEach-Object Region | Select-Object -Unique | Should -Be 'aws:us-east-1'
            Get-WorkflowLog -RunId $run.RunId | ForEach-Object Message | Should -Contain 'left ran'
        }
        $queue = Get-FauxqsQueue $aws workflow-fan-1_0_0
        "$($queue.Ready) $($queue.InFlight)" | Should -Be '0 0'
    }

    It 'dead-letters a failing step''s task on its last delivery, as workers do' {
        $broken = New-TestWorkflow -Name broken -Yaml "name: broken`nversion: 1.0.0`nsteps:`n  - name: fails`n    run: fails.ps1`n" -Files @{ 'fails.ps1' = "throw 'broken on purpose'`n" }
        $null = Publish-Workflow $broken -Region aws:us-east-1 -Bucket $bucket -Compute Lambda -MaxReceiveCount 2
        $runId = (Start-WorkflowRun broken-1.0.0 -Region aws:us-east-1).RunId

        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        do { Start-Sleep -Milliseconds 500; $letters = @(Get-WorkflowDeadLetter broken-1.0.0) } until ($letters.Count -or [DateTime]::UtcNow -gt $deadline)

        $letters | Should -HaveCount 1
        $letters[0].RunId | Should -Be $runId
        $letters[0].Step | Should -Be 'fails'
        $letters[0].Receives | Should -Be 2
        $letters[0].Reason | Should -BeLike '*broken on purpose*'
        Remove-Workflow broken-1.0.0 -Confirm:$false
    }

    It 'republishes a changed workflow: the configuration is updated and the one mapping kept' {
        $before = @((Invoke-LambdaCli list-event-source-mappings, --function-name, $function).EventSourceMappings)
        Add-Content (Join-Path $fan 'steps/split.ps1') "# changed`n"
        $lines = Publish-Workflow $fan -Region aws:us-east-1 -Bucket $bucket -Compute Lambda -Force -Verbose 4>&1 | ForEach-Object { "$_" }
        $after = @((Invoke-LambdaCli list-event-source-mappings, --function-name, $function).EventSourceMappings)

        # The module did not change, so neither did the function's code; its mapping is the same one.
        $lines | Where-Object { $_ -like "*Lambda function $function (code unchanged*" } | Should -Not -BeNullOrEmpty
        $after | Should -HaveCount 1
        $after[0].UUID | Should -Be $before[0].UUID
        $run = Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1
        (Wait-WorkflowRun $run.RunId -Timeout 120).State | Should -Be 'Succeeded'
    }

    It 'gives LambdaRoleRequired for Lambda on AWS''s own endpoint without -LambdaRole, deploying nothing' {
        $saved = @{ AWS_ENDPOINT_URL = $env:AWS_ENDPOINT_URL; AWS_ENDPOINT_URL_LAMBDA = $env:AWS_ENDPOINT_URL_LAMBDA }
        # S3 and SQS still reach fauxqs through their own variables; Lambda would be AWS's.
        $env:AWS_ENDPOINT_URL_S3 = $aws.Endpoint
        $env:AWS_ENDPOINT_URL_SQS = $aws.Endpoint
        Remove-Item Env:AWS_ENDPOINT_URL, Env:AWS_ENDPOINT_URL_LAMBDA
        try {
            $folder = New-TestWorkflow -Name norole -Yaml "name: norole`nversion: 1.0.0`nsteps:`n  - name: a`n    command: [sh, -c, 'echo {}']`n"
            $errors = @(Get-ErrorRecord { Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket -Compute Lambda })
        }
        finally {
            foreach ($pair in $saved.GetEnumerator()) { Set-Item "Env:$($pair.Key)" $pair.Value }
            Remove-Item Env:AWS_ENDPOINT_URL_S3, Env:AWS_ENDPOINT_URL_SQS
        }

        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'LambdaRoleRequired*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($errors[0])" | Should -BeLike '*-LambdaRole arn:aws:iam::*'
        Test-FauxqsQueue $aws workflow-norole-1_0_0 | Should -BeFalse
    }

    It 'gives LambdaFunctionNotOurs for a function of that name that another tool made' {
        $code = Join-Path $testHome 'foreign'
        $null = New-Item -ItemType Directory $code
        Set-Content (Join-Path $code 'bootstrap') "#!/bin/sh`nexit 1`n"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        [IO.Compression.ZipFile]::CreateFromDirectory($code, "$code.zip")
        $null = Invoke-LambdaCli create-function, --function-name, workflow-clash-1_0_0-us-east-1, --runtime, provided.al2023, --handler, bootstrap, --role, 'arn:aws:iam::000000000000:role/theirs', --zip-file, "fileb://$code.zip"
        $folder = New-TestWorkflow -Name clash -Yaml "name: clash`nversion: 1.0.0`nsteps:`n  - name: a`n    command: [sh, -c, 'echo {}']`n"

        $errors = @(Get-ErrorRecord { Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket -Compute Lambda })

        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'LambdaFunctionNotOurs*'
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        "$($errors[0])" | Should -BeLike "*'workflow-clash-1_0_0-us-east-1'*not made by Workflow.PowerShell*"
        (Invoke-LambdaCli get-function, --function-name, workflow-clash-1_0_0-us-east-1).Configuration.Role | Should -Be 'arn:aws:iam::000000000000:role/theirs'
    }

    It 'caps the timeout at 900 s and says so, takes the memory from the largest step, and warns that secrets do not reach the function' {
        $folder = New-TestWorkflow -Name capped -Yaml "name: capped`nversion: 1.0.0`nsecrets: [API_TOKEN]`nsteps:`n  - name: long`n    command: [sh, -c, 'echo {}']`n    timeout: 20m`n    memory_mb: 2048`n  - name: short`n    needs: long`n    command: [sh, -c, 'echo {}']`n"

        $null = Publish-Workflow $folder -Region aws:us-east-1 -Bucket $bucket -Compute Lambda -WarningVariable warnings -WarningAction SilentlyContinue
        $config = (Invoke-LambdaCli get-function, --function-name, workflow-capped-1_0_0-us-east-1).Configuration

        $config.Timeout | Should -Be 900
        $config.MemorySize | Should -Be 2048
        @($warnings | Where-Object { "$_" -like '*longer than Lambda''s 15 minutes*dead-letter queue*' }) | Should -HaveCount 1
        @($warnings | Where-Object { "$_" -like '*no value for its secrets (API_TOKEN)*' }) | Should -HaveCount 1
        $config.Environment.Variables.PSObject.Properties.Name | Should -Not -Contain 'API_TOKEN'
        Remove-Workflow capped-1.0.0 -Confirm:$false
    }

    It 'completes -Compute with Workers and Lambda' {
        Get-Completion 'Publish-Workflow x -Compute ' | Should -Be @('Lambda', 'Workers')
        Get-Completion 'Move-WorkflowDeployment -Compute L' | Should -Be @('Lambda')
    }

    It 'lists the function and mapping for Remove-Workflow -WhatIf, then deletes them' {
        $uuid = @((Invoke-LambdaCli list-event-source-mappings, --function-name, $function).EventSourceMappings)[0].UUID
        $script = Join-Path $testHome 'whatif.ps1'
        Set-Content $script "Import-Module `$env:WORKFLOW_MODULE -ErrorAction Stop`nRemove-Workflow fan-1.0.0 -WhatIf`n"
        $whatIf = Invoke-ChildPwsh -File $script

        $whatIf.Output | Should -BeLike "*Lambda event-source mapping $uuid*"
        $whatIf.Output | Should -BeLike "*Lambda function $function*"
        (Invoke-LambdaCli get-function, --function-name, $function).Configuration.FunctionName | Should -Be $function

        Remove-Workflow fan-1.0.0 -Confirm:$false

        @((Invoke-LambdaCli list-functions).Functions | Where-Object FunctionName -eq $function) | Should -HaveCount 0
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        do { $left = @((Invoke-LambdaCli list-event-source-mappings).EventSourceMappings | Where-Object UUID -eq $uuid) } while ($left.Count -and [DateTime]::UtcNow -lt $deadline -and -not (Start-Sleep -Milliseconds 500))
        $left | Should -HaveCount 0
        Test-FauxqsQueue $aws workflow-fan-1_0_0 | Should -BeFalse
    }

    It 'moves a step to a region whose workers are a Lambda function (Move-WorkflowDeployment -Compute Lambda)' {
        $placed = New-TestWorkflow -Name placed -Yaml @'
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
'@ -Files @{ 'where.ps1' = @'
param($Context)
# Each step adds where it ran (region and function) to what the step before it saw.
$before = $Context.steps.ingest
@{ regions = @($before.regions | Where-Object { $_ }) + $Context.context.region; fn = @($before.fn | Where-Object { $_ }) + $env:AWS_LAMBDA_FUNCTION_NAME }
'@ }
        $null = Publish-Workflow $placed -Region aws:us-east-1 -Bucket $bucket -Compute Lambda
        $plans = 0..23 | ForEach-Object {
            $steps = [System.Collections.Generic.Dictionary[string, string]]::new()
            $steps['transform'] = 'aws:us-west-2'
            [Workflow.Model.DeploymentPlan]@{ WorkflowId = 'placed-1.0.0'; Hour = $_; HomeRegion = 'aws:us-east-1'; Placement = $steps }
        }

        $moved = $plans | Move-WorkflowDeployment -Compute Lambda
        $run = Wait-WorkflowRun (Start-WorkflowRun placed-1.0.0).RunId -Timeout 240

        $moved.Placement.Regions | Should -Be @('aws:us-east-1', 'aws:us-west-2')
        ($moved.Deployments | Where-Object Region -eq aws:us-west-2).Compute | Should -Be Lambda
        (Invoke-LambdaCli get-function, --function-name, workflow-placed-1_0_0-us-west-2 -Region us-west-2).Configuration.Environment.Variables.WORKFLOW_REGION | Should -Be 'aws:us-west-2'
        $run.State | Should -Be 'Succeeded'
        ($run.Steps | ForEach-Object { "$($_.Step)=$($_.Region)" }) -join ' ' | Should -Be 'ingest=aws:us-east-1 transform=aws:us-west-2'
        $output = $run | Receive-WorkflowRun
        $output.regions | Should -Be @('aws:us-east-1', 'aws:us-west-2')
        $output.fn | Should -Be @('workflow-placed-1_0_0-us-east-1', 'workflow-placed-1_0_0-us-west-2')
    }
}
