using System;
using System.Threading.Tasks;
using Docker.DotNet;
using Workflow.Model;

namespace Workflow.Tests.Docker;

/// <summary>Pull policies against a real registry (docker-registry on loopback) and registries that refuse or are not there.</summary>
[Collection("Docker")]
public sealed class ImagePullTests : IDisposable
{
    private readonly TestDocker docker;
    private readonly ContainerCase test = new();

    public ImagePullTests(TestDocker docker) => this.docker = docker;

    public void Dispose() => test.Dispose();

    private async Task<bool> EngineHas(string image)
    {
        try
        {
            await docker.Client.Images.InspectImageAsync(image);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    [Fact]
    public async Task IfNotPresent_pulls_a_missing_image_from_the_registry_and_runs_it()
    {
        using var registry = new TestRegistry();
        var repository = "busybox-" + test.RunId;
        await registry.PushAsync(docker, TestDocker.Busybox, repository, "1");
        var image = $"{registry.Address}/{repository}:1";
        Assert.False(await EngineHas(image));

        var output = await test.RunAsync(ContainerExecutorTests.Shell("""echo '{"pulled": true}'""").Replace(TestDocker.Busybox, image));

        Assert.Equal("""{"pulled": true}""", output);
        Assert.True(await EngineHas(image));
        Assert.Contains(test.Log.Of("Verbose"), line => line.Contains("Pulling image " + image));
        await docker.Client.Images.DeleteImageAsync(image, new());
    }

    [Fact]
    public async Task Always_pulls_even_when_the_engine_has_the_image_and_IfNotPresent_does_not()
    {
        using var registry = new TestRegistry();
        var repository = "always-" + test.RunId;
        await registry.PushAsync(docker, TestDocker.Busybox, repository, "1");
        var image = $"{registry.Address}/{repository}:1";

        await test.RunAsync($"    image: {image}\n    command: [sh, -c, 'echo null']\n    pull: Always\n");
        await test.RunAsync($"    image: {image}\n    command: [sh, -c, 'echo null']\n    pull: Always\n");
        await test.RunAsync($"    image: {image}\n    command: [sh, -c, 'echo null']\n");

        Assert.Equal(2, System.Linq.Enumerable.Count(test.Log.Of("Verbose"), line => line.Contains("Pulling image")));
        await docker.Client.Images.DeleteImageAsync(image, new());
    }

    [Fact]
    public async Task Image_the_registry_does_not_have_is_StepImagePullFailed_with_the_registrys_answer()
    {
        using var registry = new TestRegistry();

        var failure = await test.FailsAsync($"    image: {registry.Address}/absent:1\n");

        Assert.Equal(WorkflowErrors.StepImagePullFailed, failure.Error);
        Assert.Contains($"{registry.Address}/absent:1", failure.Message);
        Assert.Contains("not found", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Registry_that_is_not_running_is_StepImagePullFailed()
    {
        var failure = await test.FailsAsync($"    image: 127.0.0.1:{TestRegistry.FreePort()}/busybox:1\n");

        Assert.Equal(WorkflowErrors.StepImagePullFailed, failure.Error);
        Assert.Contains("connection refused", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("registry is reachable", failure.Message);
    }
}
