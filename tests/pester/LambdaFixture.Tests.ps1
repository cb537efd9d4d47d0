# The test support's Lambda fixture helpers, as other Pester files use them: started beside fauxqs,
# reached with Debian's awscli through AWS_ENDPOINT_URL_LAMBDA (which the AWS SDKs and CLI honour),
# and stopped with the functions' processes it ran.
BeforeAll {
    Import-Module "$PSScriptRoot/TestSupport.psm1" -Force
    $script:Aws = '/usr/bin/aws'
    if (-not (Test-Path $script:Aws)) { throw "$script:Aws is missing: apt-get install awscli (.ci/run does)." }
    $script:Fauxqs = Start-Fauxqs
    $script:Folder = Join-Path ([IO.Path]::GetTempPath()) ("lambda-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory $script:Folder
    # A bootstrap that answers each event with its process id.
    $bootstrap = "#!/bin/sh`napi=`"http://`${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation`"`nwhile true; do`n  h=`$(mktemp)`n  curl -sS -D `"`$h`" `"`$api/next`" >/dev/null || exit 1`n  id=`$(grep -i '^Lambda-Runtime-Aws-Request-Id:' `"`$h`" | tr -d '\r' | cut -d' ' -f2)`n  curl -sS -X POST `"`$api/`$id/response`" -d `"{\`"pid\`":`$`$}`" >/dev/null`ndone`n"
    $script:Zip = Join-Path $script:Folder 'fn.zip'
    $archive = [IO.Compression.ZipFile]::Open($script:Zip, 'Create')
    $entry = $archive.CreateEntry('bootstrap')
    $entry.ExternalAttributes = 0x81ED -shl 16 # a regular file, mode 0755
    $writer = [IO.StreamWriter]::new($entry.Open())
    $writer.Write($bootstrap)
    $writer.Dispose()
    $archive.Dispose()
}

AfterAll {
    if ($script:Fauxqs) { Stop-Fauxqs $script:Fauxqs }
    if ($script:Folder) { Remove-Item $script:Folder -Recurse -Force -ErrorAction Ignore }
}

Describe 'Start-LambdaFixture' {
    It 'serves the Lambda API on AWS_ENDPOINT_URL_LAMBDA for the credentials this session has, and Stop-LambdaFixture ends it and its functions' {
        $fixture = Start-LambdaFixture -SqsEndpoint $script:Fauxqs.Endpoint
        try {
            $env:AWS_ENDPOINT_URL_LAMBDA | Should -Be $fixture.Endpoint
            $fixture.AccessKey | Should -Be $env:AWS_ACCESS_KEY_ID
            $env:AWS_DEFAULT_REGION = 'us-east-1'
            $env:AWS_PAGER = ''
            # awscli 2.9 predates the service-specific endpoint variables: it is given the endpoint.
            $created = & $script:Aws --endpoint-url $fixture.Endpoint lambda create-function --function-name pester-fn --runtime provided.al2023 --handler bootstrap `
                --role arn:aws:iam::000000000000:role/test --zip-file "fileb://$script:Zip" --output json | ConvertFrom-Json
            $LASTEXITCODE | Should -Be 0
            $created.State | Should -Be 'Active'
            $out = Join-Path $script:Folder 'out.json'
            $null = & $script:Aws --endpoint-url $fixture.Endpoint lambda invoke --function-name pester-fn $out
            $LASTEXITCODE | Should -Be 0
            $functionPid = (Get-Content $out -Raw | ConvertFrom-Json).pid
            Get-Process -Id $functionPid -ErrorAction Ignore | Should -Not -BeNullOrEmpty
        }
        finally {
            $fixturePid = $fixture.Process.Id
            Stop-LambdaFixture $fixture
            Remove-Item Env:AWS_DEFAULT_REGION, Env:AWS_PAGER -ErrorAction Ignore
        }
        Get-Process -Id $fixturePid -ErrorAction Ignore | Should -BeNullOrEmpty
        Get-Process -Id $functionPid -ErrorAction Ignore | Should -BeNullOrEmpty
        $env:AWS_ENDPOINT_URL_LAMBDA | Should -BeNullOrEmpty
    }

    It 'refuses the CLI signed with another secret' {
        $fixture = Start-LambdaFixture -SecretKey 'not-what-the-cli-has'
        try {
            $env:AWS_DEFAULT_REGION = 'us-east-1'
            $message = & $script:Aws --endpoint-url $fixture.Endpoint lambda list-functions 2>&1 | Out-String
            $LASTEXITCODE | Should -Not -Be 0
            $message | Should -Match 'InvalidSignatureException'
        }
        finally {
            Stop-LambdaFixture $fixture
            Remove-Item Env:AWS_DEFAULT_REGION -ErrorAction Ignore
        }
    }
}
