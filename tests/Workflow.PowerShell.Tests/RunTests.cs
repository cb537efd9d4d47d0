using System;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace Workflow.PowerShell.Tests;

public sealed class RunTests
{
    [Fact]
    public void Get_Workflow_piped_to_Start_Wait_and_Receive_gives_the_output()
    {
        using var session = new Session();
        var folder = session.Example("image-pipeline");
        session.Run($"Publish-Workflow '{folder}' | Out-Null");
        var output = session.Run("Get-Workflow image-pipeline-1.0.0 | Start-WorkflowRun -Argument @{ count = 6 } | Wait-WorkflowRun | Receive-WorkflowRun").Single();
        Assert.Empty(session.Errors);
        Assert.Equal(6, (int)output.Properties["Images"].Value);
        Assert.True((bool)output.Properties["Notified"].Value);
    }

    [Fact]
    public void Start_WorkflowRun_with_Wait_returns_a_succeeded_run_with_its_steps()
    {
        using var session = new Session();
        var folder = session.Example("image-pipeline");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Argument @{{ count = 2 }} -Wait").Single();
        Assert.Equal("Succeeded", run.Properties["State"].Value.ToString());
        var steps = session.Run("param($r) $r.Steps | ForEach-Object { '{0}={1}' -f $_.Step, $_.State }".Replace("param($r) ", "").Replace("$r", "$run"),
            new() { ["run"] = run });
        Assert.Equal(new[] { "split=Succeeded", "resize=Succeeded", "notify=Skipped", "report=Succeeded" }, steps.Select(s => s.ToString()));
    }

    [Fact]
    public void Command_steps_pass_json_through_stdin_and_stdout_and_log_stderr()
    {
        using var session = new Session();
        var folder = session.Example("command-steps");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Wait").Single();
        Assert.Equal("Succeeded", run.Properties["State"].Value.ToString());
        var lengths = session.Run("$run | Get-WorkflowRun | ForEach-Object { $_.RunId } | Receive-WorkflowRun", new() { ["run"] = run });
        Assert.True((bool)lengths.Single().Properties["done"].Value);
        var stderr = session.Run("Get-WorkflowLog -RunId $run.RunId -Step measure | ForEach-Object Message", new() { ["run"] = run }).Select(o => o.ToString()).ToList();
        Assert.Equal(new[] { "measuring alpha", "measuring beta", "measuring gamma" }, stderr.OrderBy(s => s));
    }

    [Fact]
    public void Logs_carry_every_stream_of_a_PowerShell_step()
    {
        using var session = new Session();
        var folder = session.Example("image-pipeline");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Argument @{{ count = 4 }} -Wait").Single();
        var lines = session.Run("Get-WorkflowLog -RunId $run.RunId | ForEach-Object { '{0}/{1}: {2}' -f $_.Step, $_.Stream, $_.Message }", new() { ["run"] = run })
            .Select(o => o.ToString()).ToList();
        Assert.Contains("split/Verbose: Splitting a batch of 4 images", lines);
        Assert.Contains("notify/Warning: Large batch: 4 images", lines);
        Assert.Contains("resize/Information: Resized image-1.jpg to 640x435", lines);
    }

    [Fact]
    public void Stop_WorkflowRun_cancels_a_running_PowerShell_step_quickly()
    {
        using var session = new Session();
        var folder = session.Workflow("sleepy", "name: sleepy\nversion: 1.0.0\nsteps:\n  - name: nap\n    run: nap.ps1\n  - name: after\n    needs: [nap]\n    run: nap.ps1\n",
            ("nap.ps1", "Start-Sleep -Seconds 60\n"));
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun").Single();
        System.Threading.Thread.Sleep(500);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stopped = session.Run("Stop-WorkflowRun -RunId $run.RunId -PassThru", new() { ["run"] = run }).Single();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stop took {watch.Elapsed}");
        Assert.Equal("Cancelled", stopped.Properties["State"].Value.ToString());
        var states = session.Run("(Get-WorkflowRun -RunId $run.RunId).Steps | ForEach-Object { $_.State.ToString() }", new() { ["run"] = run }).Select(o => o.ToString());
        Assert.Equal(new[] { "Cancelled", "Cancelled" }, states);
    }

    [Fact]
    public void A_step_that_never_ends_fails_on_its_timeout()
    {
        using var session = new Session();
        var folder = session.Workflow("stuck", "name: stuck\nversion: 1.0.0\nsteps:\n  - name: hang\n    timeout: 1s\n    command: [sleep, '60']\n");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Wait").Single();
        Assert.Equal("Failed", run.Properties["State"].Value.ToString());
        Assert.Contains("timed out after 1s", run.Properties["Error"].Value.ToString());
    }

    [Fact]
    public void A_failing_attempt_is_retried_and_the_step_succeeds()
    {
        using var session = new Session();
        var folder = session.Workflow("flaky", "name: flaky\nversion: 1.0.0\nsteps:\n  - name: once\n    retry: { max_attempts: 3, interval: 100ms }\n    run: flaky.ps1\n",
            ("flaky.ps1", "param($Context)\nif ($Context.context.attempt -lt 2) { throw 'first attempt fails' }\n@{ attempt = $Context.context.attempt }\n"));
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Wait").Single();
        Assert.Equal("Succeeded", run.Properties["State"].Value.ToString());
        var attempt = session.Run("Receive-WorkflowRun -RunId $run.RunId", new() { ["run"] = run }).Single();
        Assert.Equal(2, (int)attempt.Properties["attempt"].Value);
        var errors = session.Run("Get-WorkflowLog -RunId $run.RunId -Stream Error | ForEach-Object Message", new() { ["run"] = run });
        Assert.Contains(errors, e => e.ToString()!.Contains("first attempt fails"));
    }

    [Fact]
    public void Secrets_reach_the_step_but_are_redacted_from_logs_and_errors()
    {
        using var session = new Session();
        Environment.SetEnvironmentVariable("WF_TEST_TOKEN", "s3cr3t-value");
        try
        {
            var folder = session.Workflow("secretive", "name: secretive\nversion: 1.0.0\nsecrets: [WF_TEST_TOKEN]\nsteps:\n  - name: leak\n    command: [sh, -c, 'echo \"token is $WF_TEST_TOKEN\" >&2; echo \"{\\\"length\\\": ${#WF_TEST_TOKEN}}\"']\n");
            var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Wait").Single();
            Assert.Equal("Succeeded", run.Properties["State"].Value.ToString());
            var output = session.Run("Receive-WorkflowRun -RunId $run.RunId", new() { ["run"] = run }).Single();
            Assert.Equal(12, (int)output.Properties["length"].Value);
            var log = session.Run("Get-WorkflowLog -RunId $run.RunId | ForEach-Object Message", new() { ["run"] = run }).Select(o => o.ToString()).ToList();
            Assert.Contains("token is ***", log);
            Assert.DoesNotContain(log, l => l!.Contains("s3cr3t-value"));
            var storeBytes = File.ReadAllBytes(Path.Combine(session.Home, "workflow.db"));
            Assert.DoesNotContain("s3cr3t-value", System.Text.Encoding.UTF8.GetString(storeBytes));
        }
        finally
        {
            Environment.SetEnvironmentVariable("WF_TEST_TOKEN", null);
        }
    }

    [Fact]
    public void Scripts_with_and_without_a_param_block_both_get_the_input_document()
    {
        using var session = new Session();
        var folder = session.Workflow("styles", "name: styles\nversion: 1.0.0\nsteps:\n  - name: typed\n    run: typed.ps1\n  - name: bare\n    needs: [typed]\n    run: bare.ps1\n",
            ("typed.ps1", "param($Context)\n$Context.input.n + 1\n"),
            ("bare.ps1", "$args[0].steps.typed * 10\n"));
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Argument @{{ n = 4 }} -Wait").Single();
        Assert.Equal("Succeeded", run.Properties["State"].Value.ToString());
        Assert.Equal(50, (int)session.Run("Receive-WorkflowRun -RunId $run.RunId", new() { ["run"] = run }).Single().BaseObject);
    }

    [Fact]
    public void New_Workflow_scaffold_validates_publishes_and_runs()
    {
        using var session = new Session();
        var definition = session.Run($"New-Workflow -Name hello -Path '{session.Home}'").Single();
        Assert.Equal("hello-1.0.0", definition.Properties["WorkflowId"].Value);
        Assert.Empty(session.Run($"Test-Workflow '{session.Home}/hello'"));
        var output = session.Run($"Publish-Workflow '{session.Home}/hello' | Start-WorkflowRun -Argument @{{ who = 'admin' }} -Wait | Receive-WorkflowRun")
            .Select(o => o.ToString()).ToList();
        Assert.Equal(new[] { "ADMIN", "POWERSHELL" }, output);
    }

    [Fact]
    public void Export_WorkflowGraph_draws_needs_and_colours_a_run()
    {
        using var session = new Session();
        var folder = session.Example("image-pipeline");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Argument @{{ count = 1 }} -Wait").Single();
        var mermaid = session.Run("Export-WorkflowGraph -RunId $run.RunId", new() { ["run"] = run }).Single().ToString();
        Assert.Contains("s_split --> s_resize", mermaid);
        Assert.Contains("class s_notify skipped", mermaid);
        var dot = session.Run("Export-WorkflowGraph -WorkflowId image-pipeline-1.0.0 -Format Dot").Single().ToString();
        Assert.Contains("\"resize\" -> \"report\";", dot);
    }
}
