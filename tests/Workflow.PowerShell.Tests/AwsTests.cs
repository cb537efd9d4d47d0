using System;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace Workflow.PowerShell.Tests;

/// <summary>Publishing to and running on an AWS region, against fauxqs (S3 + SQS) on loopback, a fresh one per test.</summary>
public sealed class AwsTests : IDisposable
{
    public const string Yaml = """
        name: fan
        version: 1.0.0
        steps:
          - name: split
            run: steps/split.ps1
          - name: resize
            needs: split
            foreach: steps.split.output.images
            run: steps/resize.ps1
          - name: left
            needs: split
            run: steps/left.ps1
          - name: join
            needs: [resize, left]
            run: steps/join.ps1
          - name: tail
            needs: join
            run: steps/tail.ps1
        """;

    public static readonly (string, string)[] Scripts =
    {
        ("steps/split.ps1", "param($Context)\n@{ images = @(1, 2, 3) }\n"),
        ("steps/resize.ps1", "param($Context)\n$Context.item * 10\n"),
        ("steps/left.ps1", "param($Context)\nWrite-Verbose 'left ran'\nif ($env:LEFT_NEEDS -and -not [IO.File]::Exists($env:LEFT_NEEDS)) { throw \"missing $env:LEFT_NEEDS\" }\n'L'\n"),
        // The fan-in step counts its executions, per run, in a folder the test reads.
        // One file per execution: appends from several processes to one file can overwrite each other.
        ("steps/join.ps1", "param($Context)\nif ($env:JOIN_LOG) { [IO.File]::WriteAllText([IO.Path]::Combine($env:JOIN_LOG, \"$($Context.context.runId) $PID $([guid]::NewGuid())\"), '') }\n$sum = 0\nforeach ($n in $Context.steps.resize) { $sum += $n }\n@{ sum = $sum; left = $Context.steps.left }\n"),
        ("steps/tail.ps1", "param($Context)\n@{ total = $Context.steps.join.sum + 1 }\n"),
    };

    private readonly Fauxqs aws;

    public AwsTests()
    {
        aws = new Fauxqs();
    }

    public void Dispose() => aws.Dispose();

    private static string Bucket() => "wf-test-" + Guid.NewGuid().ToString("N").Substring(0, 10);

    [Fact]
    public void Publish_creates_the_queues_and_a_second_publish_of_the_same_content_uploads_nothing()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        var bucket = Bucket();

        var first = session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {bucket} -Verbose 4>&1 | ForEach-Object {{ \"$_\" }}").Select(o => o.ToString()).ToList();
        var second = session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {bucket} -Verbose 4>&1 | ForEach-Object {{ \"$_\" }}").Select(o => o.ToString()).ToList();
        var regions = session.Run("(Get-Workflow fan-1.0.0).Regions").Single().ToString();

        Assert.Empty(session.Errors);
        Assert.Contains(first, l => l.Contains("6 files uploaded", StringComparison.Ordinal));
        Assert.Contains(second, l => l.Contains("package unchanged", StringComparison.Ordinal));
        Assert.Equal("local, aws:us-east-1", regions);
        Assert.True(aws.QueueExists("workflow-fan-1_0_0"));
        Assert.True(aws.QueueExists("workflow-fan-1_0_0-dlq"));
        Assert.True(aws.ObjectExists(bucket, "deployments/fan-1.0.0.json"));

        // -WhatIf lists what would go and removes nothing; then it goes.
        var whatIf = session.Run("Remove-Workflow fan-1.0.0 -WhatIf 6>&1 | ForEach-Object { \"$_\" }");
        Assert.True(aws.QueueExists("workflow-fan-1_0_0"));
        session.Run("Remove-Workflow fan-1.0.0 -Confirm:$false");
        Assert.Empty(session.Errors);
        Assert.False(aws.QueueExists("workflow-fan-1_0_0"));
        Assert.False(aws.QueueExists("workflow-fan-1_0_0-dlq"));
        Assert.False(aws.ObjectExists(bucket, "deployments/fan-1.0.0.json"));
        _ = whatIf;
    }

    [Fact]
    public void A_run_started_in_a_region_is_carried_on_by_a_worker_and_synced_back()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        var bucket = Bucket();
        session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {bucket} | Out-Null");

        var run = session.Run("Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1").Single();
        var runId = (string)run.Properties["RunId"].Value;
        Assert.Equal("aws:us-east-1", run.Properties["Owner"].Value);
        var info = session.Run("Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 7 -Concurrency 2").Single();
        var done = session.Run($"Wait-WorkflowRun {runId} -Timeout 60").Single();
        var output = session.Run($"Receive-WorkflowRun {runId}").Single();
        var logs = session.Run($"Get-WorkflowLog -RunId {runId} | ForEach-Object Message").Select(o => o.ToString()).ToList();
        var again = session.Run("Sync-WorkflowLog fan-1.0.0").Single();

        Assert.Empty(session.Errors);
        Assert.Equal(7, (int)info.Properties["Succeeded"].Value);
        Assert.Equal("MaxTasks", info.Properties["StopReason"].Value);
        Assert.Equal("Succeeded", done.Properties["State"].Value.ToString());
        Assert.Equal(61, Convert.ToInt32(output.Properties["total"].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("left ran", logs);
        Assert.Equal(0, (int)again.Properties["ObjectsFetched"].Value);
        Assert.Equal((0, 0), aws.Queue("workflow-fan-1_0_0"));
    }

    [Fact]
    public void A_failing_step_lands_in_the_dead_letter_queue_and_a_redrive_after_the_fix_finishes_the_run()
    {
        using var session = new Session();
        var marker = Path.Combine(session.Home, "fixed");
        Environment.SetEnvironmentVariable("LEFT_NEEDS", marker);
        try
        {
            var folder = session.Workflow("fan", Yaml, Scripts);
            session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {Bucket()} -MaxReceiveCount 2 | Out-Null");
            var runId = (string)session.Run("(Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1).RunId").Single().BaseObject;

            // split, 3 items, join waits; left fails on its 2 deliveries, the second sends it to the DLQ.
            var info = session.Run("Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 6 -Concurrency 1").Single();
            var letters = session.Run("Get-WorkflowDeadLetter fan-1.0.0").ToList();

            Assert.Equal(1, (int)info.Properties["DeadLettered"].Value);
            var letter = Assert.Single(letters);
            Assert.Equal(runId, letter.Properties["RunId"].Value);
            Assert.Equal("left", letter.Properties["Step"].Value);
            Assert.Equal(2, (int)letter.Properties["Receives"].Value);
            Assert.Contains("missing " + marker, (string)letter.Properties["Reason"].Value, StringComparison.Ordinal);
            // Synced, the run shows as it is: going, with the dead-lettered step not finished.
            session.Run("Sync-WorkflowLog fan-1.0.0 | Out-Null");
            Assert.Equal("Running", session.Run($"(Get-WorkflowRun {runId}).State").Single().ToString());
            Assert.Equal("Pending", session.Run($"((Get-WorkflowRun {runId}).Steps | Where-Object Step -eq left).State").Single().ToString());

            File.WriteAllText(marker, "");
            session.Run("Get-WorkflowDeadLetter fan-1.0.0 | Restore-WorkflowDeadLetter -Confirm:$false");
            session.Run("Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 3 -Concurrency 1 | Out-Null");
            var done = session.Run($"Wait-WorkflowRun {runId} -Timeout 60").Single();

            Assert.Empty(session.Errors);
            Assert.Equal("Succeeded", done.Properties["State"].Value.ToString());
            Assert.Empty(session.Run("Get-WorkflowDeadLetter fan-1.0.0"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("LEFT_NEEDS", null);
        }
    }

    [Fact]
    public void A_message_that_is_not_a_task_is_dead_lettered_with_the_reason_and_the_worker_goes_on()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {Bucket()} | Out-Null");
        aws.SendRaw("workflow-fan-1_0_0", "this is not json");
        aws.SendRaw("workflow-fan-1_0_0", """{"runId":"r","workflowId":"other-1.0.0","step":"x","sharedInput":"{"}""");
        var runId = (string)session.Run("(Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1).RunId").Single().BaseObject;

        session.Run("Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 7 -Concurrency 1 | Out-Null");
        var done = session.Run($"Wait-WorkflowRun {runId} -Timeout 60").Single();
        var reasons = session.Run("Get-WorkflowDeadLetter fan-1.0.0 | ForEach-Object Reason").Select(o => o.ToString()).ToList();

        Assert.Empty(session.Errors);
        Assert.Equal("Succeeded", done.Properties["State"].Value.ToString());
        Assert.Equal(2, reasons.Count);
        Assert.Contains(reasons, r => r.Contains("not a task's JSON", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("names workflow 'other-1.0.0'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Publish-Workflow '{0}' -Region aws:moon-1", "AwsRegionUnknown", "InvalidArgument")]
    [InlineData("Publish-Workflow '{0}' -Region aws:us-east-1 -ProfileName no-such-profile", "AwsProfileNotFound", "ObjectNotFound")]
    [InlineData("Publish-Workflow '{0}' -Region aws:us-east-1 -EndpointUrl http://127.0.0.1:9", "AwsEndpointUnreachable", "ConnectionError")]
    [InlineData("Start-WorkflowRun fan-1.0.0 -Region aws:eu-west-1", "WorkflowNotDeployed", "ObjectNotFound")]
    [InlineData("Sync-WorkflowLog fan-1.0.0", "WorkflowNotDeployed", "ObjectNotFound")]
    [InlineData("Restore-WorkflowDeadLetter fan-1.0.0 -Region aws:us-east-1", "WorkflowNotDeployed", "ObjectNotFound")]
    public void Bad_region_profile_endpoint_or_deployment_gives_a_clear_error(string script, string errorId, string category)
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        session.Run($"Publish-Workflow '{folder}' | Out-Null");
        var error = Capture(session, string.Format(System.Globalization.CultureInfo.InvariantCulture, script, folder));

        Assert.Equal(errorId, error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(category, error.CategoryInfo.Category.ToString());
        Assert.Equal("local", session.Run("(Get-Workflow fan-1.0.0).Regions").Single().ToString());
    }

    [Fact]
    public void The_region_example_runs_as_the_README_says()
    {
        using var session = new Session();
        var example = Path.Combine(Repo.Root, "examples", "aws-local.ps1");
        session.Run($". '{example}' *> $null");

        Assert.Empty(session.Errors);
        var states = session.Run("Get-WorkflowRun | ForEach-Object { \"$($_.State)\" }").Select(o => o.ToString()).ToList();
        Assert.Equal(5, states.Count);
        Assert.All(states, state => Assert.Equal("Succeeded", state));
    }

    [Fact]
    public void A_region_that_fails_does_not_keep_the_next_from_its_deployment()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        var published = session.Run($"Publish-Workflow '{folder}' -Region aws:moon-1, aws:us-east-1 -Bucket {Bucket()}");

        var error = Assert.Single(session.Errors);
        Assert.Equal("AwsRegionUnknown", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("fan-1.0.0", Assert.Single(published).Properties["WorkflowId"].Value);
        Assert.Equal("local, aws:us-east-1", session.Run("(Get-Workflow fan-1.0.0).Regions").Single().ToString());
    }

    [Fact]
    public void Missing_credentials_give_a_clear_error()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        var keys = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", Path.Combine(session.Home, "none"));
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(session.Home, "none"));
        try
        {
            var error = Capture(session, $"Publish-Workflow '{folder}' -Region aws:us-east-1");
            Assert.Equal("AwsCredentialsMissing", error.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Contains("AWS_ACCESS_KEY_ID", error.Exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", keys.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", keys.Item2);
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", null);
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", null);
        }
    }

    [Fact]
    public void A_bucket_that_is_not_ours_is_refused_and_left_as_it_was()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        var bucket = Bucket();
        aws.ForeignBucket(bucket);

        var error = Capture(session, $"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {bucket}");

        Assert.Equal("AwsBucketNotOurs", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains(bucket, error.Exception.Message, StringComparison.Ordinal);
        Assert.False(aws.ObjectExists(bucket, "workflow-powershell.json"));
        Assert.True(aws.ObjectExists(bucket, "someone-else.txt"));
        Assert.False(aws.QueueExists("workflow-fan-1_0_0"));
    }

    [Fact]
    public void Stop_WorkflowRun_stops_a_run_in_a_region_its_workers_start_nothing_more_of_it()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {Bucket()} | Out-Null");
        var runId = (string)session.Run("(Start-WorkflowRun fan-1.0.0 -Region aws:us-east-1).RunId").Single().BaseObject;

        // No worker yet: the stop is written, and the first worker to take the run's task ends it.
        session.Run($"Stop-WorkflowRun {runId} -WarningAction SilentlyContinue -Confirm:$false");
        var info = session.Run("Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 1 -Concurrency 1").Single();
        var done = session.Run($"Wait-WorkflowRun {runId} -Timeout 60").Single();

        Assert.Empty(session.Errors);
        Assert.Equal(1, (int)info.Properties["Cancelled"].Value);
        Assert.Equal("Cancelled", done.Properties["State"].Value.ToString());
        Assert.Equal("The run was stopped.", done.Properties["Error"].Value);
        Assert.Equal((0, 0), aws.Queue("workflow-fan-1_0_0"));
    }

    [Fact]
    public void A_queue_of_that_name_that_is_not_ours_is_refused_and_left_alone()
    {
        using var session = new Session();
        var folder = session.Workflow("fan", Yaml, Scripts);
        aws.ForeignQueue("workflow-fan-1_0_0");

        var error = Capture(session, $"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {Bucket()}");

        Assert.Equal("AwsQueueNotOurs", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains("workflow-fan-1_0_0", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("local", session.Run("(Get-Workflow fan-1.0.0).Regions").Single().ToString());
    }

    [Fact]
    public void A_task_over_the_SQS_size_limit_travels_by_S3_reference()
    {
        using var session = new Session();
        // 'big' outputs 300 KB (kept in S3 by reference): the task of 'size', which carries it, is over SQS's 256 KiB.
        var folder = session.Workflow("big", """
            name: big
            version: 1.0.0
            steps:
              - name: big
                run: big.ps1
              - name: size
                needs: big
                run: size.ps1
            """,
            ("big.ps1", "param($Context)\n@{ text = [string]::new([char]'x', 300000) }\n"),
            ("size.ps1", "param($Context)\n$Context.steps.big.text.Length\n"));
        var bucket = Bucket();
        session.Run($"Publish-Workflow '{folder}' -Region aws:us-east-1 -Bucket {bucket} | Out-Null");
        var runId = (string)session.Run("(Start-WorkflowRun big-1.0.0 -Region aws:us-east-1).RunId").Single().BaseObject;

        session.Run("Start-WorkflowWorker -Region aws:us-east-1 -MaxTasks 2 -Concurrency 1 | Out-Null");
        var done = session.Run($"Wait-WorkflowRun {runId} -Timeout 60").Single();
        var size = session.Run($"Receive-WorkflowRun {runId}").Single();

        Assert.Empty(session.Errors);
        Assert.Equal("Succeeded", done.Properties["State"].Value.ToString());
        Assert.Equal(300000, Convert.ToInt32(size.BaseObject, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((0, 0), aws.Queue("workflow-big-1_0_0"));
    }

    private static ErrorRecord Capture(Session session, string script)
    {
        try
        {
            session.Run(script);
        }
        catch (RuntimeException e)
        {
            return e.ErrorRecord;
        }
        return Assert.Single(session.Errors);
    }
}
