using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Workflow.Docker;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Docker;

/// <summary>run: scripts with image: under pwsh in the container: the host's pwsh mounted into an image without one, or the image's own.</summary>
[Collection("Docker")]
public sealed class ContainerScriptTests : IDisposable
{
    private readonly TestDocker docker;
    private readonly ContainerCase test = new();

    public ContainerScriptTests(TestDocker docker) => this.docker = docker;

    public void Dispose() => test.Dispose();

    private async Task<string> RunScriptAsync(string script, string image = TestDocker.Base, string extra = "", string inputJson = "null", IReadOnlyDictionary<string, string>? environment = null)
    {
        test.WriteFile("steps/step.ps1", script);
        return await test.RunAsync($"    image: {image}\n    run: steps/step.ps1\n" + extra, inputJson, environment);
    }

    [Fact]
    public async Task Script_gets_the_script_steps_Context_and_its_objects_are_the_output_with_the_hosts_pwsh_mounted()
    {
        var output = await RunScriptAsync("""
            param($Context)
            @{
                doubled = $Context.input.n * 2
                step = $Context.context.step
                artifacts = $Context.context.artifacts
                level = $Context.env.LOG_LEVEL
                edition = $PSVersionTable.PSEdition
                where = (Get-Location).Path
            }
            """, inputJson: """{"n": 21}""", environment: new Dictionary<string, string> { ["LOG_LEVEL"] = "debug" });

        var result = JsonNode.Parse(output)!;
        Assert.Equal(42, (int)result["doubled"]!);
        Assert.Equal("step", (string?)result["step"]);
        Assert.Equal("/workflow/artifacts", (string?)result["artifacts"]);
        Assert.Equal("debug", (string?)result["level"]);
        Assert.Equal("Core", (string?)result["edition"]);
        Assert.Equal("/workflow/package", (string?)result["where"]);
    }

    [Fact]
    public async Task Script_log_streams_go_to_the_step_log_as_stderr_lines()
    {
        var output = await RunScriptAsync("""
            Write-Warning 'careful'
            Write-Verbose 'details'
            Write-Information 'noted'
            Write-Error 'not fatal'
            Write-Host 'hello host'
            1
            2
            """);

        Assert.Equal("[1,2]", output);
        var log = test.Log.Of("stderr").ToList();
        Assert.Contains("WARNING: careful", log);
        Assert.Contains("VERBOSE: details", log);
        Assert.Contains("noted", log);
        Assert.Contains(log, line => line.StartsWith("ERROR: not fatal", StringComparison.Ordinal));
        Assert.Contains("hello host", log);
    }

    [Fact]
    public async Task Script_without_output_gives_null_and_its_files_go_to_the_artifacts()
    {
        var output = await RunScriptAsync("""
            param($Context)
            Set-Content -Path (Join-Path $Context.context.artifacts 'out.txt') -Value 'made in a container'
            """);

        Assert.Equal("null", output);
        Assert.Equal("made in a container", File.ReadAllText(Path.Combine(test.Artifacts, "out.txt")).Trim());
    }

    [Fact]
    public async Task Script_that_throws_is_StepContainerFailed_naming_the_script_and_line()
    {
        test.WriteFile("steps/step.ps1", "param($Context)\n$x = 1\nthrow 'boom'\n");

        var failure = await test.FailsAsync($"    image: {TestDocker.Base}\n    run: steps/step.ps1\n");

        Assert.Equal(WorkflowErrors.StepContainerFailed, failure.Error);
        Assert.Contains("code 1", failure.Message);
        Assert.Contains("The script steps/step.ps1 threw: boom (at steps/step.ps1:3:1)", failure.Message);
    }

    [Fact]
    public async Task Image_with_its_own_pwsh_runs_the_script_with_it()
    {
        var image = await PwshImage.EnsureAsync(docker);

        var output = await RunScriptAsync("""
            param($Context)
            @{ pshome = $PSHOME; n = $Context.input.n }
            """, image, "    pwsh: image\n", """{"n": 3}""");

        var result = JsonNode.Parse(output)!;
        Assert.Equal("/opt/pwsh", (string?)result["pshome"]);
        Assert.Equal(3, (int)result["n"]!);
    }

    [Fact]
    public async Task Auto_finds_the_images_own_pwsh()
    {
        var image = await PwshImage.EnsureAsync(docker);

        var output = await RunScriptAsync("$PSHOME", image);

        Assert.Equal("\"/opt/pwsh\"", output);
    }

    [Fact]
    public async Task Auto_on_an_image_without_pwsh_mounts_the_hosts()
    {
        var output = await RunScriptAsync("$PSHOME");

        Assert.Equal("\"/__e/pwsh\"", output);
    }

    [Fact]
    public async Task Pwsh_image_on_an_image_without_pwsh_is_StepPwshNotAvailable()
    {
        test.WriteFile("steps/step.ps1", "1");

        var failure = await test.FailsAsync($"    image: {TestDocker.Busybox}\n    run: steps/step.ps1\n    pwsh: image\n");

        Assert.Equal(WorkflowErrors.StepPwshNotAvailable, failure.Error);
        Assert.Contains(TestDocker.Busybox, failure.Message);
        Assert.Empty(await docker.ContainersOf(test.RunId));
    }

    [Fact]
    public async Task Host_pwsh_that_cannot_be_found_is_StepPwshNotAvailable()
    {
        test.WriteFile("steps/step.ps1", "1");
        using var executor = new ContainerExecutor(new ContainerExecutorOptions { ScratchRoot = test.Scratch, PwshHome = Path.Combine(test.Root, "no-pwsh") });

        var failure = await Assert.ThrowsAsync<StepFailedException>(() =>
            executor.ExecuteAsync(test.Invocation(test.Step($"    image: {TestDocker.Base}\n    run: steps/step.ps1\n    pwsh: host\n")), CancellationToken.None));

        Assert.Equal(WorkflowErrors.StepPwshNotAvailable, failure.Error);
        Assert.Contains("pwsh: host", failure.Message);
    }
}
