using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>A secret's value reaches its step and nothing else: not the store, not its logs, not an output.</summary>
public sealed class SecretTests : IDisposable
{
    private readonly EngineHome home = new();
    // A name of its own per test class instance: the environment is the process's, and tests run side by side.
    private readonly string name = "WF_TEST_SECRET_" + Guid.NewGuid().ToString("N").Substring(0, 8).ToUpperInvariant();
    private readonly string value = "s3cr3t-" + Guid.NewGuid().ToString("N");

    public SecretTests() => Environment.SetEnvironmentVariable(name, value);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(name, null);
        home.Dispose();
    }

    private string Flow(string retry = "") => $"""
        name: flow
        version: 1.0.0
        secrets: [{name}]
        steps:
          - name: leak
            run: s.ps1{retry}
          - name: after
            needs: leak
            run: s.ps1
        """;

    [Fact]
    public async Task Output_holding_a_secret_fails_the_step_naming_the_secret_not_its_value()
    {
        var executor = new ScriptedExecutor().On("leak", (i, _) => Task.FromResult($$"""{"token": "Bearer {{i.Environment[name]}}"}"""));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Flow());

        Assert.Equal(RunState.Failed, run.State);
        var error = run.Step("leak").Error!;
        Assert.StartsWith($"The step's output holds the value of secret '{name}', so it was not stored.", error);
        Assert.DoesNotContain(value, error);
        Assert.Equal(StepState.Cancelled, run.StateOf("after"));
        Assert.Empty(executor.Of("after"));
        Assert.Null(engine.Store.GetStepRecords(run.RunId).Single(r => r.Step == "leak").OutputJson);
    }

    [Fact]
    public async Task Secret_value_is_in_no_file_of_the_workflow_home()
    {
        var executor = new ScriptedExecutor()
            .On("leak", (i, _) => Task.FromResult($$"""{"token": "{{i.Environment[name]}}", "big": "{{new string('x', 300_000)}}"}"""));
        // Opened here, not through the home, so the test can close it and look at the files again.
        var engine = WorkflowEngine.Open(EnginePorts.ForHome(home.Home, new IStepExecutor[] { executor }), EngineHome.Options);
        WorkflowRun run;
        try
        {
            run = await home.RunAsync(engine, Flow());
            engine.GetLogs(run.RunId); // flushes the log lines

            // While the engine is open the newest pages are in workflow.db-wal; after, in workflow.db.
            Assert.Contains(Files(), f => f.EndsWith("workflow.db-wal", StringComparison.Ordinal));
            AssertNoFileHolds(value);
        }
        finally
        {
            engine.Dispose();
            SqliteConnection.ClearAllPools();
        }
        Assert.Equal(RunState.Failed, run.State);
        AssertNoFileHolds(value);
    }

    [Fact]
    public async Task Secret_escaped_in_the_JSON_text_is_found_too()
    {
        // "s3cr3t-..." written as \u0073 3cr3t-...: the text differs, the string it decodes to does not.
        var executor = new ScriptedExecutor().On("leak", (i, _) => Task.FromResult($$"""{"token": "\u0073{{i.Environment[name].Substring(1)}}"}"""));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Flow());

        Assert.Equal(RunState.Failed, run.State);
        Assert.StartsWith($"The step's output holds the value of secret '{name}'", run.Step("leak").Error);
    }

    [Fact]
    public async Task Attempt_whose_output_holds_a_secret_is_retried_by_the_policy()
    {
        var executor = new ScriptedExecutor().On("leak", (i, _) =>
            Task.FromResult(i.Input.Context.Attempt == 1 ? $$"""{"echo": "{{i.Environment[name]}}"}""" : """{"ok": true}"""));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Flow("\n    retry: { max_attempts: 2, interval: 10ms }"));

        Assert.Equal(RunState.Succeeded, run.State);
        Assert.Equal(2, executor.Of("leak").Count);
        var log = engine.GetLogs(run.RunId).Single(l => l.Stream == "Error");
        Assert.StartsWith($"Attempt 1 failed: The step's output holds the value of secret '{name}'", log.Message);
    }

    [Fact]
    public async Task Foreach_item_output_holding_a_secret_fails_the_step()
    {
        var executor = new ScriptedExecutor().On("each", (i, _) =>
            Task.FromResult(i.Input.Context.Item == 1 ? $"\"{i.Environment[name]}\"" : "1"));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, $"""
            name: flow
            version: 1.0.0
            secrets: [{name}]
            steps:
              - name: each
                foreach: input.items
                run: s.ps1
            """, """{"items": [1, 2, 3]}""");

        Assert.Equal(RunState.Failed, run.State);
        Assert.Contains($"secret '{name}'", run.Error);
        Assert.DoesNotContain(value, run.Error);
    }

    [Fact]
    public async Task Error_and_log_holding_a_secret_are_redacted()
    {
        var executor = new ScriptedExecutor().On("leak", (i, _) =>
        {
            i.Log.Write("Warning", $"calling with {i.Environment[name]}");
            throw new StepFailedException(WorkflowErrors.StepScriptFailed, $"401 for token {i.Environment[name]}");
        });
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, Flow());

        Assert.Equal("Step 'leak' failed: 401 for token ***", run.Error);
        Assert.All(engine.GetLogs(run.RunId), l => Assert.DoesNotContain(value, l.Message));
        Assert.All(engine.GetHistory(run.RunId), h => Assert.DoesNotContain(value, h.Detail ?? ""));
    }

    [Fact]
    public void Longer_secret_holding_a_shorter_one_is_redacted_whole()
    {
        Environment.SetEnvironmentVariable(name + "_LONG", value + "-more");
        try
        {
            var secrets = RunSecrets.FromEnvironment(new[] { name, name + "_LONG" });

            Assert.Equal("a *** b ***", secrets.Redact($"a {value}-more b {value}"));
            Assert.Equal(name + "_LONG", secrets.FoundIn($"{{\"x\": \"{value}-more\"}}"));
            Assert.Null(secrets.FoundIn("""{"x": "nothing here"}"""));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name + "_LONG", null);
        }
    }

    private void AssertNoFileHolds(string secret)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        var files = Files();
        Assert.Contains(files, f => f.EndsWith("workflow.db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{file} holds the secret's value.");
        }
    }

    private System.Collections.Generic.List<string> Files() => Directory.EnumerateFiles(home.Home, "*", SearchOption.AllDirectories).ToList();
}
