using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Docker;

/// <summary>How a step's container ended: its exit code, whether the kernel killed it for memory, its stdout and last stderr lines.</summary>
internal sealed record ContainerExit(long ExitCode, bool OutOfMemory, string Stdout, string StderrTail);

/// <summary>
/// One container from create to remove: attach (stdin, stdout, stderr) before start, the input written
/// and stdin closed, stdout kept as the output and stderr lines sent to the log as they come. Stopping
/// (timeout, Stop-WorkflowRun) kills it; it is removed however the attempt ends.
/// </summary>
internal static class ContainerAttempt
{
    private const int TailLines = 5;

    public static async Task<ContainerExit> RunAsync(DockerEngine docker, CreateContainerParameters parameters, byte[] input, IStepLog log, CancellationToken cancellationToken)
    {
        string? id = null;
        try
        {
            id = await CreateAsync(docker, parameters, cancellationToken).ConfigureAwait(false);
            using var stream = await docker.Call(c => c.Containers.AttachContainerAsync(id, new ContainerAttachParameters { Stream = true, Stdin = true, Stdout = true, Stderr = true }, cancellationToken), cancellationToken).ConfigureAwait(false);
            try
            {
                await docker.Call(c => c.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException e)
            {
                throw NotStarted(parameters, e);
            }
            _ = WriteInputAsync(stream, input);
            var output = new Output(log);
            var reading = output.ReadAsync(stream);
            var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(() => stopped.TrySetResult(true)))
            {
                if (await Task.WhenAny(reading, stopped.Task).ConfigureAwait(false) != reading)
                {
                    await KillAsync(docker, id).ConfigureAwait(false);
                    // The kill ends the output; do not wait on an engine that no longer answers.
                    await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
                    throw new OperationCanceledException("The container step was stopped.", cancellationToken);
                }
            }
            await reading.ConfigureAwait(false);
            var exit = await docker.Call(c => c.Containers.WaitContainerAsync(id, cancellationToken), cancellationToken).ConfigureAwait(false);
            // The wait gives the exit code; only the container's state says whether the kernel's OOM killer ended it.
            var state = (await docker.Call(c => c.Containers.InspectContainerAsync(id, cancellationToken), cancellationToken).ConfigureAwait(false)).State;
            return new ContainerExit(exit.StatusCode, state?.OOMKilled ?? false, output.Stdout, output.Tail);
        }
        finally
        {
            if (id != null)
            {
                await ContainerCleanup.RemoveAsync(docker, id).ConfigureAwait(false);
            }
            else if (cancellationToken.IsCancellationRequested && parameters.Name is { } name)
            {
                // Stopped while the engine was creating it: it may exist without our having its id.
                await ContainerCleanup.RemoveAsync(docker, name).ConfigureAwait(false);
            }
        }
    }

    private static async Task<string> CreateAsync(DockerEngine docker, CreateContainerParameters parameters, CancellationToken cancellationToken)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                return (await docker.Call(c => c.Containers.CreateContainerAsync(parameters, cancellationToken), cancellationToken).ConfigureAwait(false)).ID;
            }
            catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict && tries == 1 && parameters.Name is { } name)
            {
                // The name is this attempt's: the container was left by a process that died during an
                // earlier delivery of the same attempt, and the step runs again now.
                await ContainerCleanup.RemoveAsync(docker, name).ConfigureAwait(false);
            }
            catch (DockerImageNotFoundException)
            {
                throw new StepFailedException(WorkflowErrors.StepImageMissing,
                    $"Image '{parameters.Image}' is not on the Docker engine at {docker.Address}: it was removed after it was checked. Run the step again.");
            }
            catch (DockerApiException e)
            {
                throw NotStarted(parameters, e);
            }
        }
    }

    private static StepFailedException NotStarted(CreateContainerParameters parameters, DockerApiException e) =>
        new(WorkflowErrors.StepContainerNotStarted,
            $"Docker could not start the container of image '{parameters.Image}': {ImagePuller.ApiMessage(e).Trim()} Check the step's command, network and limits.", e);

    private static async Task WriteInputAsync(MultiplexedStream stream, byte[] input)
    {
        try
        {
            await stream.WriteAsync(input, 0, input.Length, CancellationToken.None).ConfigureAwait(false);
            stream.CloseWrite();
        }
        catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException || e is System.Net.Sockets.SocketException)
        {
            // The step need not read its stdin; a container that exited first is not a failure.
        }
    }

    private static async Task KillAsync(DockerEngine docker, string id)
    {
        try
        {
            await docker.Client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "KILL" }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Already gone, or the engine went away; the remove that follows tries again.
        }
    }

    /// <summary>The container's demultiplexed output: stdout kept whole, stderr as log lines and a tail for errors.</summary>
    private sealed class Output
    {
        private readonly IStepLog log;
        private readonly MemoryStream stdout = new();
        private readonly Decoder stderrDecoder = new UTF8Encoding(false).GetDecoder();
        private readonly StringBuilder line = new();
        private readonly Queue<string> tail = new();

        public Output(IStepLog log) => this.log = log;

        public string Stdout => new UTF8Encoding(false).GetString(stdout.ToArray());

        public string Tail => string.Join(" | ", tail);

        public async Task ReadAsync(MultiplexedStream stream)
        {
            var buffer = new byte[81920];
            var chars = new char[buffer.Length];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None).ConfigureAwait(false);
                if (read.EOF) break;
                if (read.Target == MultiplexedStream.TargetStream.StandardOut)
                {
                    stdout.Write(buffer, 0, read.Count);
                    continue;
                }
                var count = stderrDecoder.GetChars(buffer, 0, read.Count, chars, 0);
                for (var i = 0; i < count; i++)
                {
                    if (chars[i] == '\n') Flush();
                    else if (chars[i] != '\r') line.Append(chars[i]);
                }
            }
            if (line.Length > 0) Flush();
        }

        private void Flush()
        {
            var text = line.ToString();
            line.Clear();
            log.Write("stderr", text);
            tail.Enqueue(text);
            if (tail.Count > TailLines) tail.Dequeue();
        }
    }
}

/// <summary>Removing containers, which must never fail the attempt it cleans up after.</summary>
internal static class ContainerCleanup
{
    /// <summary>Force-removes (kills if running) a container by id or name; a missing one or a silent engine is ignored.</summary>
    public static async Task RemoveAsync(DockerEngine docker, string idOrName)
    {
        try
        {
            await docker.Client.Containers.RemoveContainerAsync(idOrName, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Gone already, or the engine cannot be reached: nothing more can be done from here.
        }
    }
}
