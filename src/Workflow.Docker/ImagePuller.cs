using System;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Docker;

/// <summary>Makes sure the engine has a step's image, as its pull policy says, and returns what the image declares.</summary>
internal static class ImagePuller
{
    public static async Task<ImageInspectResponse> EnsureAsync(DockerEngine docker, string image, PullPolicy policy, IStepLog log, CancellationToken cancellationToken)
    {
        if (policy != PullPolicy.Always && await InspectAsync(docker, image, cancellationToken).ConfigureAwait(false) is { } present)
        {
            return present;
        }
        if (policy == PullPolicy.Never)
        {
            throw new StepFailedException(WorkflowErrors.StepImageMissing,
                $"Image '{image}' is not on the Docker engine at {docker.Address}, and the step's pull policy is Never. Load it there (docker pull, docker load or docker import), or set pull: IfNotPresent.");
        }
        await PullAsync(docker, image, log, cancellationToken).ConfigureAwait(false);
        return await InspectAsync(docker, image, cancellationToken).ConfigureAwait(false)
            ?? throw new StepFailedException(WorkflowErrors.StepImageMissing,
                $"Image '{image}' was pulled but the Docker engine at {docker.Address} does not have it: another client removed it meanwhile. Run the step again.");
    }

    private static async Task<ImageInspectResponse?> InspectAsync(DockerEngine docker, string image, CancellationToken cancellationToken)
    {
        try
        {
            return await docker.Call(c => c.Images.InspectImageAsync(image, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    private static async Task PullAsync(DockerEngine docker, string image, IStepLog log, CancellationToken cancellationToken)
    {
        log.Write("Verbose", $"Pulling image {image}.");
        // A pull's failure comes either as an error status or, once the pull has begun, as a message
        // with an error in the progress stream (the status is then 200).
        string? failed = null;
        var progress = new Progress(message =>
        {
            if (message.Error?.Message is { Length: > 0 } error) failed ??= error;
        });
        try
        {
            await docker.Call(c => c.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = WithTag(image) }, null, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            failed = ApiMessage(e);
        }
        if (failed != null)
        {
            throw new StepFailedException(WorkflowErrors.StepImagePullFailed,
                $"Pulling image '{image}' failed: {failed.Trim()} Check the name and tag, that the registry is reachable from the Docker engine at {docker.Address} and lets it pull, or put the image there yourself and set pull: Never.");
        }
    }

    /// <summary>A reference without tag or digest pulls every tag of the repository: pull :latest, as docker pull does.</summary>
    public static string WithTag(string image)
    {
        if (image.IndexOf('@') >= 0) return image;
        var lastSlash = image.LastIndexOf('/');
        return image.LastIndexOf(':') > lastSlash ? image : image + ":latest";
    }

    /// <summary>The engine's own words from an error answer ({"message": "..."}), else the exception's.</summary>
    public static string ApiMessage(DockerApiException e)
    {
        var body = e.ResponseBody ?? "";
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return body.Trim().Length > 0 ? body.Trim() : e.Message;
    }

    /// <summary>Called on the reading thread as messages arrive (System.Progress would post them to the thread pool, late).</summary>
    private sealed class Progress : IProgress<JSONMessage>
    {
        private readonly Action<JSONMessage> report;

        public Progress(Action<JSONMessage> report) => this.report = report;

        public void Report(JSONMessage value) => report(value);
    }
}
