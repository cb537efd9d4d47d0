using System.IO;
using System.Linq;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Tests.Format;

/// <summary>One test per ErrorId: each mistake is reported once, with its id, line and column.</summary>
public sealed class WorkflowDiagnosticTests
{
    private const string Header = "name: demo\nversion: 1.0.0\n";

    private static WorkflowDiagnostic Only(string yaml, string? projectDirectory = null)
    {
        var result = WorkflowReader.Parse(yaml, "workflow.yml", projectDirectory);
        return Assert.Single(result.Diagnostics);
    }

    private static void AssertAt(WorkflowDiagnostic diagnostic, string errorId, int line, int column)
    {
        Assert.Equal(errorId, diagnostic.ErrorId);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("workflow.yml", diagnostic.File);
        Assert.Equal((line, column), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void Yaml_syntax_error_is_WorkflowYamlMalformed_at_the_parser_mark()
    {
        var result = WorkflowReader.Parse("name: demo\nversion: 'x\n", "workflow.yml", null);

        AssertAt(Assert.Single(result.Diagnostics), WorkflowErrors.WorkflowYamlMalformed.Id, 2, 10);
        Assert.Null(result.Definition);
    }

    [Fact]
    public void Unclosed_flow_list_is_WorkflowYamlMalformed()
    {
        var result = WorkflowReader.Parse("name: demo\nsecrets: [A\nversion: 1.0.0\n", "workflow.yml", null);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(WorkflowErrors.WorkflowYamlMalformed.Id, diagnostic.ErrorId);
        Assert.Equal(2, diagnostic.Line);
        Assert.Null(result.Definition);
    }

    [Fact]
    public void Root_list_is_WorkflowRootNotMapping()
    {
        var result = WorkflowReader.Parse("- name: demo\n", "workflow.yml", null);

        AssertAt(Assert.Single(result.Diagnostics), WorkflowErrors.WorkflowRootNotMapping.Id, 1, 1);
        Assert.Null(result.Definition);
    }

    [Fact]
    public void Unknown_step_key_is_WorkflowUnknownKey_listing_allowed_keys()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    command: [echo]\n    neds: [b]\n");

        AssertAt(diagnostic, WorkflowErrors.WorkflowUnknownKey.Id, 6, 5);
        Assert.Contains("'neds'", diagnostic.Message);
        Assert.Contains("needs", diagnostic.Message);
    }

    [Fact]
    public void Unknown_top_level_key_is_WorkflowUnknownKey()
    {
        AssertAt(Only(Header + "step: []\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.WorkflowUnknownKey.Id, 3, 1);
    }

    [Fact]
    public void Missing_version_is_WorkflowMissingKey()
    {
        var diagnostic = Only("name: demo\nsteps:\n  - name: a\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.WorkflowMissingKey.Id, 1, 1);
        Assert.Contains("version", diagnostic.Message);
    }

    [Fact]
    public void Empty_steps_is_WorkflowMissingKey_saying_no_steps()
    {
        var diagnostic = Only(Header + "steps: []\n");

        AssertAt(diagnostic, WorkflowErrors.WorkflowMissingKey.Id, 3, 8);
        Assert.Contains("no steps", diagnostic.Message);
    }

    [Fact]
    public void Uppercase_workflow_name_is_WorkflowBadName()
    {
        AssertAt(Only("name: My_Flow\nversion: 1.0.0\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.WorkflowBadName.Id, 1, 7);
    }

    [Fact]
    public void Version_with_a_space_is_WorkflowBadVersion()
    {
        AssertAt(Only("name: demo\nversion: '1 0'\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.WorkflowBadVersion.Id, 2, 10);
    }

    [Fact]
    public void Step_name_with_a_dot_is_StepBadName()
    {
        AssertAt(Only(Header + "steps:\n  - name: split.it\n    command: [echo]\n"), WorkflowErrors.StepBadName.Id, 4, 11);
    }

    [Fact]
    public void Step_names_with_hyphen_and_underscore_are_valid()
    {
        var result = WorkflowReader.Parse(Header + "steps:\n  - name: resize-images\n    command: [echo]\n  - name: _tmp_2\n    command: [echo]\n", "workflow.yml", null);

        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Second_step_of_a_name_is_StepDuplicate_naming_the_first_line()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    command: [echo]\n  - name: a\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.StepDuplicate.Id, 6, 11);
        Assert.Contains("line 4", diagnostic.Message);
    }

    [Fact]
    public void Need_of_no_step_is_StepUnknownNeed_naming_both_steps()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    needs: [ghost]\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.StepUnknownNeed.Id, 5, 13);
        Assert.Contains("'a'", diagnostic.Message);
        Assert.Contains("'ghost'", diagnostic.Message);
    }

    [Fact]
    public void Cycle_is_reported_with_every_step_in_it()
    {
        var diagnostic = Only(Header + """
            steps:
              - name: start
                command: [echo]
              - name: a
                needs: [start, c]
                command: [echo]
              - name: b
                needs: a
                command: [echo]
              - name: c
                needs: [b]
                command: [echo]
            """);

        AssertAt(diagnostic, WorkflowErrors.StepCycle.Id, 7, 20);
        Assert.Contains("a -> c -> b -> a", diagnostic.Message);
    }

    [Fact]
    public void Each_distinct_cycle_is_reported_once()
    {
        var result = WorkflowReader.Parse(Header + """
            steps:
              - name: a
                needs: [b, c]
                command: [echo]
              - name: b
                needs: [a]
                command: [echo]
              - name: c
                needs: [a]
                command: [echo]
              - name: d
                needs: [d]
                command: [echo]
            """, "workflow.yml", null);

        Assert.All(result.Diagnostics, d => Assert.Equal(WorkflowErrors.StepCycle.Id, d.ErrorId));
        Assert.Equal(
            new[] { "a -> b -> a", "a -> c -> a", "d -> d" },
            result.Diagnostics.Select(d => d.Message.Split(": ")[1].Split(" (")[0]));
    }

    [Fact]
    public void Step_without_run_command_or_image_is_StepNoAction()
    {
        AssertAt(Only(Header + "steps:\n  - name: a\n    needs: []\n"), WorkflowErrors.StepNoAction.Id, 4, 5);
    }

    [Fact]
    public void Step_with_run_and_command_is_StepSeveralActions_at_the_second()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    run: a.ps1\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.StepSeveralActions.Id, 6, 5);
        Assert.Contains("run", diagnostic.Message);
        Assert.Contains("command", diagnostic.Message);
    }

    [Fact]
    public void Image_with_command_is_one_container_action()
    {
        var result = WorkflowReader.Parse(Header + "steps:\n  - name: a\n    image: alpine:3\n    command: echo hi\n", "workflow.yml", null);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(StepKind.Container, result.Definition!.Steps[0].Kind);
    }

    [Theory]
    [InlineData("steps/missing.ps1")]
    [InlineData("../outside.ps1")]
    [InlineData("/etc/profile.ps1")]
    public void Script_not_in_the_folder_is_StepScriptMissing(string run)
    {
        using var folder = new TempWorkflowFolder();
        folder.Write("project/steps/present.ps1", "");
        // Present, but outside the project folder: it would not be published, so it does not count.
        folder.Write("outside.ps1", "");

        var diagnostic = Only(Header + $"steps:\n  - name: a\n    run: {run}\n  - name: b\n    run: steps/present.ps1\n", Path.Combine(folder.Path, "project"));

        AssertAt(diagnostic, WorkflowErrors.StepScriptMissing.Id, 5, 10);
        Assert.Contains(run, diagnostic.Message);
    }

    [Fact]
    public void Run_of_a_non_ps1_file_is_StepScriptNotPowerShell()
    {
        AssertAt(Only(Header + "steps:\n  - name: a\n    run: steps/split.sh\n"), WorkflowErrors.StepScriptNotPowerShell.Id, 5, 10);
    }

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("0s")]
    [InlineData("1.5s")]
    public void Timeout_that_is_not_a_positive_duration_is_BadDuration(string timeout)
    {
        AssertAt(Only(Header + $"steps:\n  - name: a\n    command: [echo]\n    timeout: {timeout}\n"), WorkflowErrors.BadDuration.Id, 6, 14);
    }

    [Fact]
    public void Retry_interval_that_is_not_a_duration_is_BadDuration()
    {
        AssertAt(Only(Header + "defaults:\n  retry: { interval: fast }\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.BadDuration.Id, 4, 22);
    }

    [Theory]
    [InlineData("max_attempts: 0", 4, 26)]
    [InlineData("max_attempts: 101", 4, 26)]
    [InlineData("backoff_rate: 0.5", 4, 26)]
    [InlineData("interval: 2m, max_interval: 1m", 4, 40)]
    public void Retry_out_of_range_is_BadRetry(string retry, int line, int column)
    {
        AssertAt(Only(Header + $"defaults:\n  retry: {{ {retry} }}\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.BadRetry.Id, line, column);
    }

    [Theory]
    [InlineData("64")]
    [InlineData("20000")]
    [InlineData("lots")]
    public void Memory_outside_128_to_10240_is_BadMemory(string memory)
    {
        AssertAt(Only(Header + $"steps:\n  - name: a\n    command: [echo]\n    memory_mb: {memory}\n"), WorkflowErrors.BadMemory.Id, 6, 16);
    }

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("oracle:us-east-1")]
    [InlineData("aws:US-EAST-1")]
    public void Region_not_local_or_provider_region_is_BadRegion(string region)
    {
        AssertAt(Only(Header + $"home_region: {region}\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.BadRegion.Id, 3, 14);
    }

    [Fact]
    public void Step_pinned_to_a_disallowed_region_is_RegionDisallowed()
    {
        var diagnostic = Only(Header + """
            regions:
              disallowed: [aws:eu-west-1]
            steps:
              - name: a
                command: [echo]
                regions: [aws:us-east-1, aws:eu-west-1]
            """);

        AssertAt(diagnostic, WorkflowErrors.RegionDisallowed.Id, 8, 30);
        Assert.Contains("aws:eu-west-1", diagnostic.Message);
    }

    [Theory]
    [InlineData("hard: { speed: { type: absolute, value: 1 } }", 4, 11)]
    [InlineData("hard: { cost: { type: exact, value: 1 } }", 4, 25)]
    [InlineData("soft: { cost: { type: absolute, value: -1 } }", 4, 42)]
    [InlineData("soft: { cost: { type: absolute } }", 4, 17)]
    [InlineData("priority: [carbon, speed]", 4, 22)]
    [InlineData("priority: [cost, cost]", 4, 20)]
    public void Constraint_with_unknown_metric_type_or_value_is_BadConstraint(string constraint, int line, int column)
    {
        AssertAt(Only(Header + $"constraints:\n  {constraint}\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.BadConstraint.Id, line, column);
    }

    [Fact]
    public void Secret_with_a_hyphen_is_BadSecretName()
    {
        AssertAt(Only(Header + "secrets: [API_TOKEN, API-KEY]\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.BadSecretName.Id, 3, 22);
    }

    [Fact]
    public void Function_call_in_if_is_BadExpression_at_its_column_in_the_file()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    command: [echo]\n  - name: b\n    needs: [a]\n    if: steps.a.output.count > max(3)\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.BadExpression.Id, 8, 32);
        Assert.Contains("function call", diagnostic.Message);
    }

    [Fact]
    public void Syntax_error_in_quoted_foreach_is_BadExpression_inside_the_quotes()
    {
        AssertAt(Only(Header + "steps:\n  - name: a\n    foreach: 'input.items.'\n    command: [echo]\n"), WorkflowErrors.BadExpression.Id, 5, 27);
    }

    [Fact]
    public void Expression_starting_with_bang_unquoted_is_BadExpression_asking_for_quotes()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    if: !input.skip\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.BadExpression.Id, 5, 9);
        Assert.Contains("Quote", diagnostic.Message);
    }

    [Fact]
    public void If_reading_a_step_it_does_not_need_is_ExpressionUnknownStep()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    command: [echo]\n  - name: b\n    if: steps.a.output.ok\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.ExpressionUnknownStep.Id, 7, 15);
        Assert.Contains("Add a to its needs", diagnostic.Message);
    }

    [Fact]
    public void If_may_read_a_step_needed_through_another_step()
    {
        var result = WorkflowReader.Parse(Header + "steps:\n  - name: a\n    command: [echo]\n  - name: b\n    needs: a\n    command: [echo]\n  - name: c\n    needs: b\n    if: steps['a'].output.ok && item == null\n    command: [echo]\n", "workflow.yml", null);

        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Output_reading_no_step_is_ExpressionUnknownStep()
    {
        AssertAt(Only(Header + "output: steps.ghost.output\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.ExpressionUnknownStep.Id, 3, 15);
    }

    [Fact]
    public void Expression_reading_an_unknown_name_is_ExpressionBadRoot()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n    if: input.ok && env.DEBUG\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.ExpressionBadRoot.Id, 5, 21);
        Assert.Contains("'env'", diagnostic.Message);
    }

    [Fact]
    public void Output_reading_item_is_ExpressionBadRoot()
    {
        AssertAt(Only(Header + "output: item\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.ExpressionBadRoot.Id, 3, 9);
    }

    [Fact]
    public void Steps_as_a_mapping_is_WorkflowBadValue()
    {
        AssertAt(Only(Header + "steps:\n  a:\n    command: [echo]\n"), WorkflowErrors.WorkflowBadValue.Id, 4, 3);
    }

    [Fact]
    public void Needs_as_a_mapping_is_WorkflowBadValue()
    {
        AssertAt(Only(Header + "steps:\n  - name: a\n    command: [echo]\n    needs: { b: 1 }\n"), WorkflowErrors.WorkflowBadValue.Id, 6, 12);
    }

    [Fact]
    public void Number_where_a_list_is_needed_is_WorkflowBadValue()
    {
        AssertAt(Only(Header + "secrets: 5\nsteps:\n  - name: a\n    command: [echo]\n"), WorkflowErrors.WorkflowBadValue.Id, 3, 10);
    }
}
