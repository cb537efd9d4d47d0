using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Amazon.Runtime;
using Amazon.SQS;
using Workflow.Aws.Lambda;

namespace Workflow.Aws.Tests;

/// <summary>
/// The backends the Lambda tests run against, started once for the collection: fauxqs (SQS) and the
/// Lambda fixture (tools/lambda-fixture), both node processes on 127.0.0.1 ports of their own. A
/// missing node or npm install fails the tests with the fix; nothing is skipped.
/// </summary>
public sealed class LambdaBackends : IDisposable
{
    public const string AccessKey = "AKIDLAMBDATEST";
    public const string SecretKey = "lambda-fixture-test-secret";
    public const string Region = "us-east-1";
    public const string Role = "arn:aws:iam::000000000000:role/workflow-test";

    public LambdaBackends()
    {
        Fauxqs = NodeServer.Start("tools/fauxqs", "fauxqs/package.json", new[] { "server.mjs", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) });
        try
        {
            Fixture = StartFixture();
        }
        catch
        {
            Fauxqs.Dispose();
            throw;
        }
    }

    public NodeServer Fauxqs { get; }
    public NodeServer Fixture { get; }

    public static BasicAWSCredentials Credentials => new(AccessKey, SecretKey);

    /// <summary>Another fixture process with options of its own (e.g. --concurrency 1), for the test to dispose.</summary>
    public NodeServer StartFixture(params string[] options) =>
        NodeServer.Start("tools/lambda-fixture", "@vercel/fun/package.json", new[]
        {
            "server.mjs", "--access-key", AccessKey, "--secret-key", SecretKey, "--sqs-endpoint", Fauxqs.Endpoint.ToString().TrimEnd('/'),
            "--sqs-wait-seconds", "1", "--stdin-lifeline",
        }.Concat(options).ToArray());

    public LambdaRestClient Client(NodeServer? fixture = null, string? secretKey = null, LambdaRetryPolicy? retry = null, System.Net.Http.HttpMessageHandler? handler = null) =>
        new((fixture ?? Fixture).Endpoint, Region, new BasicAWSCredentials(AccessKey, secretKey ?? SecretKey), handler, retry);

    public AmazonSQSClient Sqs() =>
        new(Credentials, new AmazonSQSConfig { ServiceURL = Fauxqs.Endpoint.ToString(), AuthenticationRegion = Region });

    public void Dispose()
    {
        Fixture.Dispose();
        Fauxqs.Dispose();
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder != null && !File.Exists(Path.Combine(folder.FullName, "Workflow.PowerShell.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("The repository root (Workflow.PowerShell.sln) is not above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class LambdaCollection : ICollectionFixture<LambdaBackends>
{
    public const string Name = "Lambda fixture";
}

/// <summary>A node server started from a tools/ folder that prints '... listening on http://127.0.0.1:PORT' first.</summary>
public sealed class NodeServer : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private readonly bool lifeline;

    private NodeServer(Process process, Uri endpoint, bool lifeline)
    {
        this.process = process;
        Endpoint = endpoint;
        this.lifeline = lifeline;
    }

    public Uri Endpoint { get; }

    /// <summary>What the server (and the functions it ran) wrote so far.</summary>
    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    public static NodeServer Start(string folder, string installedMarker, string[] arguments)
    {
        var directory = Path.Combine(LambdaBackends.RepositoryRoot(), folder);
        if (!File.Exists(Path.Combine(directory, "node_modules", installedMarker)))
        {
            throw new InvalidOperationException($"{folder} is not installed: run 'npm ci --no-audit --no-fund' in {folder} (./build.ps1 -Task Test does).");
        }
        var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(p => Path.Combine(p, "node")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("node is not on PATH: the Lambda tests need Node 20 for fauxqs and the Lambda fixture.");
        var info = new ProcessStartInfo(node) { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = Process.Start(info)!;
        var first = process.StandardOutput.ReadLineAsync();
        if (!first.Wait(TimeSpan.FromSeconds(30)) || first.Result is not { } line || !line.Contains("listening on ", StringComparison.Ordinal))
        {
            process.Kill(true);
            throw new InvalidOperationException($"{folder}/server.mjs did not start: {(first.IsCompleted ? first.Result : "(no line in 30 s)")} {process.StandardError.ReadToEnd()}");
        }
        var server = new NodeServer(process, new Uri(line.Substring(line.IndexOf("http", StringComparison.Ordinal)).Trim()), arguments.Contains("--stdin-lifeline"));
        // Read as it comes (the functions' output too), so the pipes never fill.
        _ = server.DrainAsync(process.StandardOutput);
        _ = server.DrainAsync(process.StandardError);
        return server;
    }

    private async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (output) output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            // Closing its standard input ends the fixture cleanly (its functions' processes too);
            // fauxqs keeps nothing worth a clean end.
            process.StandardInput.Close();
            if (!lifeline || !process.WaitForExit(8000)) process.Kill(true);
        }
        process.WaitForExit();
        process.Dispose();
    }
}

/// <summary>Deployment packages for the tests: a zip whose 'bootstrap' is an executable sh script.</summary>
public static class Packages
{
    public static byte[] Zip(string? bootstrap, params (string Name, string Text)[] files)
    {
        using var stream = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(stream, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            if (bootstrap != null) Add(zip, "bootstrap", bootstrap, executable: true);
            foreach (var (name, text) in files) Add(zip, name, text, executable: false);
        }
        return stream.ToArray();
    }

    private static void Add(System.IO.Compression.ZipArchive zip, string name, string text, bool executable)
    {
        var entry = zip.CreateEntry(name);
        entry.ExternalAttributes = (executable ? 0b1_000_000_111_101_101 : 0b1_000_000_110_100_100) << 16; // regular file, 0755 or 0644
        using var writer = new StreamWriter(entry.Open(), new UTF8Encoding(false));
        writer.Write(text.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    /// <summary>A runtime loop in sh and curl (it ends when the Runtime API goes away, as runtimes do): each event goes to <paramref name="handle"/> (a sh snippet with $event, $id, $headers; it sets $response and $route, 'response' or 'error').</summary>
    public static string Bootstrap(string handle) => """
        #!/bin/sh
        set -u
        api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
        while true; do
          headers=$(mktemp)
          event=$(curl -sS -D "$headers" "$api/next") || exit 1
          id=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | tr -d '\r' | cut -d' ' -f2)
          route=response
          response='{}'
        """ + "\n" + handle + "\n" + """
          curl -sS -X POST "$api/$id/$route" -H 'Content-Type: application/json' --data-binary "$response" >/dev/null
          rm -f "$headers"
        done
        """;

    /// <summary>Echoes the event with the process id, the Runtime API's deadline and ARN headers and $GREETING; sleeps for an event's "sleep" seconds.</summary>
    public static byte[] Echo() => Zip(Bootstrap("""
          deadline=$(grep -i '^Lambda-Runtime-Deadline-Ms:' "$headers" | tr -d '\r' | cut -d' ' -f2)
          arn=$(grep -i '^Lambda-Runtime-Invoked-Function-Arn:' "$headers" | tr -d '\r' | cut -d' ' -f2)
          case "$event" in *'"sleep"'*) sleep "$(echo "$event" | sed 's/.*"sleep": *\([0-9]*\).*/\1/')";; esac
          case "$event" in *'"fail"'*) route=error; response='{"errorType":"Asked","errorMessage":"the event asked to fail"}';; *)
          response="{\"event\":$event,\"pid\":$$,\"deadline\":$deadline,\"arn\":\"$arn\",\"greeting\":\"${GREETING:-}\",\"memory\":\"$AWS_LAMBDA_FUNCTION_MEMORY_SIZE\"}";; esac
        """));
}
