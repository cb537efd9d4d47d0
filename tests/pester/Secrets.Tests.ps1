# A secret's value reaches its step and nothing else: an output that holds it is not stored, and no
# file of the workflow home (the store, its write-ahead log, the blobs) ever holds it.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $testHome = New-TestHome
    Import-StagedModule

    $secretValue = 'tok-' + [guid]::NewGuid().ToString('N')
    $env:WF_PESTER_TOKEN = $secretValue

    $folder = New-TestWorkflow -Name leaky -Yaml @'
name: leaky
version: 1.0.0
secrets: [WF_PESTER_TOKEN]
steps:
  - name: login
    run: steps/login.ps1
  - name: use
    needs: [login]
    command: [sh, -c, 'cat > /dev/null; echo "{\"used\": true}"']
'@ -Files @{
        'steps/login.ps1' = @'
param($Context)
Write-Warning "logging in with $($Context.env.WF_PESTER_TOKEN)"
@{ header = "Bearer $($Context.env.WF_PESTER_TOKEN)" }
'@
    }
    $shell = New-TestWorkflow -Name shell-leak -Yaml @'
name: shell-leak
version: 1.0.0
secrets: [WF_PESTER_TOKEN]
steps:
  - name: echo
    command: [sh, -c, 'cat > /dev/null; echo "{\"token\": \"$WF_PESTER_TOKEN\"}"']
'@
    $null = $folder, $shell | Publish-Workflow

    $run = Start-WorkflowRun leaky-1.0.0 -Wait -ErrorVariable failure -ErrorAction SilentlyContinue
    $shellRun = Start-WorkflowRun shell-leak-1.0.0 -Wait -ErrorAction SilentlyContinue
    $logs = @($run, $shellRun | Get-WorkflowLog)

    function Get-FileWithSecret {
        # Every file under the home, the SQLite write-ahead log included, read as bytes: UTF-8 and UTF-16.
        $needles = [Text.Encoding]::UTF8.GetBytes($secretValue), [Text.Encoding]::Unicode.GetBytes($secretValue)
        foreach ($file in Get-ChildItem -LiteralPath $testHome -Recurse -File -Force) {
            $text = [Text.Encoding]::Latin1.GetString([IO.File]::ReadAllBytes($file.FullName))
            foreach ($needle in $needles) {
                if ($text.Contains([Text.Encoding]::Latin1.GetString($needle))) { $file.FullName }
            }
        }
    }
}

AfterAll {
    Remove-Item Env:WF_PESTER_TOKEN -ErrorAction Ignore
    Remove-TestHome $testHome
}

Describe 'A step whose output holds a secret' {
    It 'fails, and the steps after it do not run' {
        $run.State | Should -Be 'Failed'
        ($run.Steps | Where-Object Step -eq 'login').State | Should -Be 'Failed'
        ($run.Steps | Where-Object Step -eq 'use').State | Should -Be 'Cancelled'
        $shellRun.State | Should -Be 'Failed'
    }

    It 'says which secret, never its value' {
        $stepError = ($run.Steps | Where-Object Step -eq 'login').Error
        $stepError | Should -BeLike "The step's output holds the value of secret 'WF_PESTER_TOKEN', so it was not stored.*"
        $stepError | Should -Not -BeLike "*$secretValue*"
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'WorkflowRunFailed,*'
        $failure[0].Exception.Message | Should -BeLike "*secret 'WF_PESTER_TOKEN'*"
        $failure[0].Exception.Message | Should -Not -BeLike "*$secretValue*"
    }

    It 'gives Receive-WorkflowRun nothing to return' {
        $output = $run | Receive-WorkflowRun -ErrorVariable receiveError -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $receiveError[0].FullyQualifiedErrorId | Should -BeLike 'WorkflowRunNotSucceeded,*'
    }

    It 'leaves the logs redacted' {
        $logs.Message | Should -Contain 'logging in with ***'
        $logs.Message | Should -Not -BeLike "*$secretValue*"
    }

    It 'leaves the value in no file of the workflow home, the -wal included' {
        (Get-ChildItem -LiteralPath $testHome -Recurse -File).Name | Should -Contain 'workflow.db-wal'
        Get-FileWithSecret | Should -BeNullOrEmpty
    }

    It 'leaves the value in no file once the store is closed and checkpointed' {
        Remove-Module Workflow.PowerShell
        Get-FileWithSecret | Should -BeNullOrEmpty
        Import-StagedModule
    }
}
