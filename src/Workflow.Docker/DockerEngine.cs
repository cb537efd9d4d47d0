using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Docker;

/// <summary>
/// The Docker engine container steps run on: <c>DOCKER_HOST</c> when set (read as each attempt starts,
/// so a session may set it after the module loaded), else the platform's default socket. Clients are
/// made on first use, one per address, so a session without Docker never touches it.
/// </summary>
internal sealed class DockerEngines : IDisposable
{
    public const string UnixDefault = "unix:///var/run/docker.sock";
    public const string WindowsDefault = "npipe://./pipe/docker_engine";

    private readonly string? configured;
    private readonly ConcurrentDictionary<string, Lazy<DockerClient>> clients = new(StringComparer.Ordinal);

    /// <param name="configured">An address that wins over DOCKER_HOST (tests, the bench); null: DOCKER_HOST or the default.</param>
    public DockerEngines(string? configured) => this.configured = configured;

    public DockerEngine Current()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var (address, source) = configured is { Length: > 0 }
            ? (configured, "as configured")
            : fromEnvironment is { Length: > 0 }
                ? (fromEnvironment, "from DOCKER_HOST")
                : (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? WindowsDefault : UnixDefault, "the default; DOCKER_HOST is not set");
        // No API version is pinned: the client sends none and the engine answers in its own (20.10
        // speaks 1.41; Docker 29 refuses anything under 1.44, so a pinned 1.41 would fail there).
        var client = clients.GetOrAdd(address, a => new Lazy<DockerClient>(() => new DockerClientBuilder().WithEndpoint(new Uri(a)).Build())).Value;
        return new DockerEngine(client, address, source);
    }

    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            if (client.IsValueCreated) client.Value.Dispose();
        }
    }
}

/// <summary>One engine's client, and the call wrapper that turns "nobody answered" into StepDockerUnreachable.</summary>
internal sealed class DockerEngine
{
    public DockerEngine(DockerClient client, string address, string source)
    {
        Client = client;
        Address = address;
        Source = source;
    }

    public DockerClient Client { get; }
    public string Address { get; }
    /// <summary>Where the address came from, for messages: "from DOCKER_HOST".</summary>
    public string Source { get; }

    /// <summary>Runs a Docker call; a connection that fails (no engine at the address) is StepDockerUnreachable.</summary>
    public async Task<T> Call<T>(Func<DockerClient, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(Client).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnreachable(e, cancellationToken))
        {
            throw Unreachable(e);
        }
    }

    public Task Call(Func<DockerClient, Task> call, CancellationToken cancellationToken) =>
        Call(async client => { await call(client).ConfigureAwait(false); return true; }, cancellationToken);

    public StepFailedException Unreachable(Exception e)
    {
        var reason = e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
        return new StepFailedException(WorkflowErrors.StepDockerUnreachable,
            $"The Docker engine at {Address} ({Source}) did not answer: {reason} Start Docker there, or set DOCKER_HOST to the engine's address (unix:///var/run/docker.sock, tcp://host:2375) in the session that runs the step.", e);
    }

    /// <summary>
    /// A failure to reach the engine, not an answer from it: a refused or missing socket, a broken
    /// connection, or a request the client gave up on while our own token was not cancelled.
    /// </summary>
    private static bool IsUnreachable(Exception e, CancellationToken cancellationToken) =>
        e is not DockerApiException
        && (e is HttpRequestException || e is SocketException || e is IOException || e is TimeoutException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested));
}
