# Test-Workflow checks what it can see (step scripts with PowerShell's parser, YAML, expressions) and
# points at the right file, line and column; run-time errors name the user's files.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $testHome = New-TestHome
    Import-StagedModule

    function Get-TextPosition([string] $Path, [string] $Part) {
        # Where a piece of text is in a file, found in the file itself (1-based line and column).
        $lines = Get-Content -LiteralPath $Path
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $column = $lines[$i].IndexOf($Part)
            if ($column -ge 0) { return [pscustomobject]@{ Line = $i + 1; Column = $column + 1 } }
        }
        throw "'$Part' is not in $Path."
    }
}

AfterAll {
    Remove-TestHome $testHome
}

Describe 'A step script that does not parse' {
    BeforeAll {
        $folder = New-TestWorkflow -Name unparsed -Yaml @'
name: unparsed
version: 1.0.0
steps:
  - name: split
    run: steps/split.ps1
'@ -Files @{ 'steps/split.ps1' = "param(`$Context)`n`$items = @(1, 2)`nforeach (`$i in `$items) {`n    `$i * 2`n" }
        $script = Join-Path $folder 'steps/split.ps1'
        $diagnostics = @(Test-Workflow $folder)
        $tokens = $parseErrors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile($script, [ref] $tokens, [ref] $parseErrors)
    }

    It 'is a StepScriptSyntaxError diagnostic in the script''s own file, at the parser''s line and column' {
        $diagnostics | Should -HaveCount 1
        $diagnostics[0].ErrorId | Should -Be 'StepScriptSyntaxError'
        $diagnostics[0].File | Should -Be $script
        $diagnostics[0].Line | Should -Be $parseErrors[0].Extent.StartLineNumber
        $diagnostics[0].Column | Should -Be $parseErrors[0].Extent.StartColumnNumber
        $diagnostics[0].Line | Should -Be 3
    }

    It 'names the script, the step and the parser''s error' {
        $diagnostics[0].Message | Should -BeLike "Script 'steps/split.ps1' of step 'split' does not parse: Missing closing '}'*(MissingEndCurlyBrace)*"
        "$($diagnostics[0])" | Should -BeLike "$($script):3:*: StepScriptSyntaxError: *"
    }

    It 'makes Test-Workflow -Quiet false' {
        Test-Workflow $folder -Quiet | Should -BeFalse
    }

    It 'is refused by Publish-Workflow' {
        { Publish-Workflow $folder -ErrorAction Stop } | Should -Throw -ErrorId 'StepScriptSyntaxError,*'
        Get-Workflow | Where-Object WorkflowId -eq 'unparsed-1.0.0' | Should -BeNullOrEmpty
    }

    It 'fails at run time with the user''s path when the published copy does not parse' {
        Set-Content -LiteralPath $script -Value "param(`$Context)`n@{ ok = `$true }`n"
        $info = Publish-Workflow $folder
        # A package published before scripts were checked, or changed in the store behind the module's back.
        $copy = Join-Path $testHome "blobs/packages/$($info.WorkflowId)/$($info.ContentHash)/steps/split.ps1"
        Set-Content -LiteralPath $copy -Value "param(`$Context)`nif (`$true) {`n"
        $run = Start-WorkflowRun $info.WorkflowId -Wait -ErrorAction SilentlyContinue
        $run.Error | Should -BeLike "Step 'split' failed: The script steps/split.ps1 does not parse: Missing closing '}'* (at steps/split.ps1:2:12)*"
        $run.Error | Should -Not -BeLike "*$testHome*"
    }
}

Describe 'YAML and expression positions' {
    It 'reports a tab used as indentation on line 4 at line 4' {
        $folder = New-TestWorkflow -Name tabbed -Yaml "name: tabbed`nversion: 1.0.0`nsteps:`n`t- name: a`n"
        $diagnostic = Test-Workflow $folder
        $diagnostic.ErrorId | Should -Be 'WorkflowYamlMalformed'
        $diagnostic.Line | Should -Be 4
        $diagnostic.Column | Should -Be 1
    }

    It 'reports a bad expression at the column where its bad part is in the file' {
        $folder = New-TestWorkflow -Name badexpr -Yaml @'
name: badexpr
version: 1.0.0
steps:
  - name: a
    command: [echo]
  - name: b
    needs: [a]
    if: "steps.a.output.name == \"x\" && max(3)"
    command: [echo]
'@
        $diagnostic = Test-Workflow $folder
        $expected = Get-TextPosition (Join-Path $folder 'workflow.yml') 'max(3)'
        $diagnostic.ErrorId | Should -Be 'BadExpression'
        $diagnostic.Line | Should -Be $expected.Line
        $diagnostic.Column | Should -Be $expected.Column
    }
}

Describe 'A workflow folder that is not there' {
    BeforeAll {
        $missing = Join-Path $testHome 'src/not-there'
    }

    It 'is a WorkflowFileNotFound ObjectNotFound error of Test-Workflow, not a diagnostic at a made-up position' {
        $output = Test-Workflow $missing -ErrorVariable notFound -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $notFound[0].FullyQualifiedErrorId | Should -Be 'WorkflowFileNotFound,Workflow.PowerShell.Commands.TestWorkflowCommand'
        $notFound[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $notFound[0].TargetObject | Should -Be $missing
        $notFound[0].Exception.Message | Should -Be "'$missing' was not found. Give a workflow folder holding workflow.yml, or the file itself; New-Workflow creates one."
    }

    It 'is $false with -Quiet' {
        Test-Workflow $missing -Quiet -ErrorVariable none | Should -BeFalse
        $none | Should -BeNullOrEmpty
    }

    It 'is ObjectNotFound for Publish-Workflow too' {
        Publish-Workflow $missing -ErrorVariable notFound -ErrorAction SilentlyContinue
        $notFound[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $notFound[0].Exception.Message | Should -Not -BeLike '*:0:0*'
    }
}

Describe 'A step that throws' {
    BeforeAll {
        $folder = New-TestWorkflow -Name thrower -Yaml @'
name: thrower
version: 1.0.0
steps:
  - name: split
    run: steps/split.ps1
'@ -Files @{ 'steps/split.ps1' = "param(`$Context)`n`$null = 1`nthrow 'the batch is empty'`n" }
        $run = Publish-Workflow $folder | Start-WorkflowRun -Wait -ErrorAction SilentlyContinue
        $logs = $run | Get-WorkflowLog
    }

    It 'names the script as the user wrote it, with the line it threw on' {
        ($run.Steps | Where-Object Step -eq 'split').Error | Should -Be 'The script steps/split.ps1 threw: the batch is empty (at steps/split.ps1:3:1)'
        $run.Error | Should -Not -BeLike "*$testHome*"
        $logs.Message | Should -Not -BeLike "*$testHome*"
    }

    It 'names the step once' {
        $run.Error | Should -Be "Step 'split' failed: The script steps/split.ps1 threw: the batch is empty (at steps/split.ps1:3:1)"
        ([regex]::Matches($run.Error, "'split'")).Count | Should -Be 1
    }
}
