using System.IO;
using System.Linq;
using System.Management.Automation;

namespace Workflow.PowerShell.Tests;

/// <summary>Bad input gets an ErrorRecord with a stable ErrorId and category, and loses nothing stored.</summary>
public sealed class ErrorTests
{
    private static void AssertError(ErrorRecord error, string errorId, ErrorCategory category)
    {
        Assert.StartsWith(errorId, error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
    }

    [Fact]
    public void Unknown_workflow_id_is_ObjectNotFound()
    {
        using var session = new Session();
        session.Run("Get-Workflow nope-1.0.0");
        AssertError(session.Errors.Single(), "WorkflowNotFound", ErrorCategory.ObjectNotFound);
        Assert.Contains("Get-Workflow", session.Errors.Single().Exception.Message);
    }

    [Fact]
    public void Unknown_run_id_is_ObjectNotFound()
    {
        using var session = new Session();
        session.Run("Get-WorkflowRun -RunId nope; Receive-WorkflowRun -RunId nope; Stop-WorkflowRun -RunId nope");
        Assert.Equal(3, session.Errors.Count);
        Assert.All(session.Errors, e => AssertError(e, "WorkflowRunNotFound", ErrorCategory.ObjectNotFound));
    }

    [Fact]
    public void Publishing_a_cycle_fails_naming_the_whole_cycle_and_publishes_nothing()
    {
        using var session = new Session();
        var folder = session.Workflow("loop", "name: loop\nversion: 1.0.0\nsteps:\n  - name: a\n    needs: [c]\n    command: [true]\n  - name: b\n    needs: [a]\n    command: [true]\n  - name: c\n    needs: [b]\n    command: [true]\n");
        session.Run($"Publish-Workflow '{folder}'");
        var error = session.Errors.Single();
        AssertError(error, "StepCycle", ErrorCategory.InvalidData);
        Assert.Contains("a -> ", error.Exception.Message);
        Assert.Contains("workflow.yml:", error.Exception.Message);
        Assert.Empty(session.Run("Get-Workflow"));
    }

    [Fact]
    public void Test_Workflow_reports_malformed_yaml_with_line_and_column()
    {
        using var session = new Session();
        var folder = session.Workflow("broken", "name: broken\nversion: 1.0.0\nsteps:\n  - name: a\n    command: [true\n");
        var diagnostic = session.Run($"Test-Workflow '{folder}'").Single();
        Assert.Equal("WorkflowYamlMalformed", diagnostic.Properties["ErrorId"].Value);
        Assert.True((int)diagnostic.Properties["Line"].Value > 0);
        Assert.False((bool)session.Run($"Test-Workflow '{folder}' -Quiet").Single().BaseObject);
    }

    [Fact]
    public void Republishing_changed_content_under_the_same_version_is_refused_unless_Force()
    {
        using var session = new Session();
        var folder = session.Example("command-steps");
        var first = session.Run($"Publish-Workflow '{folder}'").Single();
        File.AppendAllText(Path.Combine(folder, "steps", "list.sh"), "# changed\n");
        session.Run($"Publish-Workflow '{folder}'");
        AssertError(session.Errors.Single(), "WorkflowVersionConflict", ErrorCategory.ResourceExists);
        var kept = session.Run("Get-Workflow command-steps-1.0.0").Single();
        Assert.Equal(first.Properties["ContentHash"].Value, kept.Properties["ContentHash"].Value);
        var forced = session.Run($"Publish-Workflow '{folder}' -Force").Single();
        Assert.NotEqual(first.Properties["ContentHash"].Value, forced.Properties["ContentHash"].Value);
    }

    [Fact]
    public void Republishing_the_same_content_is_a_no_op()
    {
        using var session = new Session();
        var folder = session.Example("command-steps");
        var first = session.Run($"Publish-Workflow '{folder}'").Single();
        var second = session.Run($"Publish-Workflow '{folder}'").Single();
        Assert.Empty(session.Errors);
        Assert.Equal(first.Properties["PublishedAt"].Value, second.Properties["PublishedAt"].Value);
    }

    [Fact]
    public void An_argument_that_is_not_serialisable_is_InvalidArgument_and_starts_nothing()
    {
        using var session = new Session();
        var folder = session.Example("command-steps");
        session.Run($"Publish-Workflow '{folder}' | Out-Null");
        session.Run("Start-WorkflowRun command-steps-1.0.0 -Argument @{ code = { 'no' } }");
        session.Run("Start-WorkflowRun command-steps-1.0.0 -Argument @{ ratio = [double]::NaN }");
        session.Run("Start-WorkflowRun command-steps-1.0.0 -Argument '{\"broken\": '");
        Assert.Equal(3, session.Errors.Count);
        AssertError(session.Errors[0], "WorkflowValueNotSerializable", ErrorCategory.InvalidArgument);
        AssertError(session.Errors[1], "WorkflowValueNotSerializable", ErrorCategory.InvalidArgument);
        AssertError(session.Errors[2], "WorkflowArgumentNotJson", ErrorCategory.InvalidArgument);
        Assert.Empty(session.Run("Get-WorkflowRun"));
    }

    [Fact]
    public void A_step_writing_non_json_fails_the_run_with_the_reason()
    {
        using var session = new Session();
        var folder = session.Workflow("chatty", "name: chatty\nversion: 1.0.0\nsteps:\n  - name: talk\n    command: [sh, -c, 'echo hello there']\n");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Wait").Single();
        Assert.Equal("Failed", run.Properties["State"].Value.ToString());
        Assert.Contains("not JSON", run.Properties["Error"].Value.ToString());
        session.Run("Receive-WorkflowRun -RunId $run.RunId", new() { ["run"] = run });
        AssertError(session.Errors.Single(), "WorkflowRunNotSucceeded", ErrorCategory.InvalidResult);
    }

    [Fact]
    public void A_store_file_that_is_not_SQLite_is_refused_and_left_as_it_was()
    {
        using var session = new Session();
        var home = Path.Combine(session.Home, "bad-home");
        Directory.CreateDirectory(home);
        var store = Path.Combine(home, "workflow.db");
        File.WriteAllText(store, "this is not a database, but it is mine\n");
        var before = File.ReadAllBytes(store);
        session.Run($"$env:WORKFLOW_HOME = '{home}'; Get-Workflow; $env:WORKFLOW_HOME = '{session.Home}'");
        var error = session.Errors.Single();
        AssertError(error, "WorkflowStoreCorrupt", ErrorCategory.InvalidData);
        Assert.Contains(store, error.Exception.Message);
        Assert.Equal(before, File.ReadAllBytes(store));
    }

    [Fact]
    public void Wait_WorkflowRun_past_its_Timeout_is_OperationTimeout_and_leaves_the_run_going()
    {
        using var session = new Session();
        var folder = session.Workflow("slow", "name: slow\nversion: 1.0.0\nsteps:\n  - name: nap\n    command: [sleep, '30']\n");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun").Single();
        session.Run("$run | Wait-WorkflowRun -Timeout 1", new() { ["run"] = run });
        AssertError(session.Errors.Single(), "WorkflowRunWaitTimeout", ErrorCategory.OperationTimeout);
        var state = session.Run("(Get-WorkflowRun -RunId $run.RunId).State.ToString()", new() { ["run"] = run }).Single().ToString();
        Assert.Equal("Running", state);
        session.Run("Stop-WorkflowRun -RunId $run.RunId", new() { ["run"] = run });
    }

    [Fact]
    public void WhatIf_publishes_starts_and_removes_nothing()
    {
        using var session = new Session();
        var folder = session.Example("command-steps");
        session.Run($"Publish-Workflow '{folder}' -WhatIf");
        Assert.Empty(session.Run("Get-Workflow"));
        session.Run($"Publish-Workflow '{folder}' | Out-Null");
        session.Run("Start-WorkflowRun command-steps-1.0.0 -WhatIf");
        Assert.Empty(session.Run("Get-WorkflowRun"));
        session.Run("Remove-Workflow command-steps-1.0.0 -WhatIf");
        Assert.Single(session.Run("Get-Workflow"));
        var removed = session.Run("Get-Workflow command-steps-1.0.0 | Remove-Workflow -PassThru").Single();
        Assert.Equal("command-steps-1.0.0", removed.Properties["WorkflowId"].Value);
        Assert.Empty(session.Run("Get-Workflow"));
        Assert.Empty(session.Errors);
    }
}
