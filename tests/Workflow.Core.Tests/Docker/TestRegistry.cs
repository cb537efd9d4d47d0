using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;

namespace Workflow.Tests.Docker;

/// <summary>
/// Debian's docker-registry on 127.0.0.1 (a loopback registry Docker allows without TLS), its
/// storage and config in a temp folder; stopped and deleted with the fixture. Missing, it fails loudly.
/// </summary>
public sealed class TestRegistry : IDisposable
{
    private const string Program = "/usr/bin/docker-registry";
    private readonly Process process;
    private readonly string folder;

    public TestRegistry()
    {
        if (!File.Exists(Program)) throw new InvalidOperationException($"{Program} is missing: 'apt-get install docker-registry' (.ci/run does).");
        folder = Path.Combine(Path.GetTempPath(), "wf-registry-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(folder);
        Port = FreePort();
        var config = Path.Combine(folder, "config.yml");
        File.WriteAllText(config, $"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {Path.Combine(folder, "data")}\nhttp:\n  addr: 127.0.0.1:{Port}\n");
        process = System.Diagnostics.Process.Start(new ProcessStartInfo(Program) { ArgumentList = { "serve", config }, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if (http.GetAsync($"http://127.0.0.1:{Port}/v2/").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException)
            {
            }
            if (process.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"docker-registry did not start on 127.0.0.1:{Port}.");
            Thread.Sleep(100);
        }
    }

    public int Port { get; }

    /// <summary>127.0.0.1:&lt;port&gt;</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Tags a local image into this registry, pushes it, and removes the local tag, so a step must pull it.</summary>
    public async Task PushAsync(TestDocker docker, string localImage, string repository, string tag)
    {
        await docker.Client.Images.TagImageAsync(localImage, new ImageTagParameters { RepositoryName = $"{Address}/{repository}", Tag = tag });
        string? error = null;
        await docker.Client.Images.PushImageAsync($"{Address}/{repository}", new ImagePushParameters { Tag = tag }, new AuthConfig(), new Progress(m => error ??= m.Error?.Message));
        Assert.True(error == null, $"Pushing to the test registry failed: {error}");
        await docker.Client.Images.DeleteImageAsync($"{Address}/{repository}:{tag}", new ImageDeleteParameters());
    }

    /// <summary>A loopback port nothing listens on (taken from the system, then released).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        try
        {
            process.Kill();
            process.WaitForExit(10000);
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Progress : IProgress<JSONMessage>
    {
        private readonly Action<JSONMessage> report;

        public Progress(Action<JSONMessage> report) => this.report = report;

        public void Report(JSONMessage value) => report(value);
    }
}
