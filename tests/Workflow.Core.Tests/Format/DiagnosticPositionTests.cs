using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Tests.Format;

/// <summary>
/// Diagnostics point where the problem is in the file: YAML scanner errors where the scanner stopped,
/// expression errors at the offending part whatever the scalar's style, script syntax errors in the
/// script's own file.
/// </summary>
public sealed class DiagnosticPositionTests : IDisposable
{
    private const string Header = "name: demo\nversion: 1.0.0\n";
    private readonly TempWorkflowFolder folder = new();

    public void Dispose() => folder.Dispose();

    private static WorkflowDiagnostic Only(string yaml) => Assert.Single(WorkflowReader.Parse(yaml, "workflow.yml", null).Diagnostics);

    /// <summary>The 1-based line and column of the first <paramref name="part"/> in the text, found in the text itself.</summary>
    private static (int Line, int Column) Find(string text, string part, int skip = 0)
    {
        var index = text.IndexOf(part, StringComparison.Ordinal);
        for (var i = 0; i < skip; i++) index = text.IndexOf(part, index + 1, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{part}' is not in the text.");
        var before = text.Substring(0, index);
        return (before.Count(c => c == '\n') + 1, index - (before.LastIndexOf('\n') + 1) + 1);
    }

    [Fact]
    public void Tab_used_as_indentation_on_line_4_is_reported_on_line_4()
    {
        var diagnostic = Only("name: demo\nversion: 1.0.0\nsteps:\n\t- name: a\n");

        Assert.Equal(WorkflowErrors.WorkflowYamlMalformed.Id, diagnostic.ErrorId);
        Assert.Equal((4, 1), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("replace the tab with spaces", diagnostic.Message);
    }

    [Fact]
    public void Tab_inside_a_step_mapping_is_reported_on_its_own_line()
    {
        var diagnostic = Only(Header + "steps:\n  - name: a\n\tcommand: [echo]\n");

        Assert.Equal((5, 1), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("scanning from line 4", diagnostic.Message);
    }

    [Fact]
    public void Unclosed_quote_is_reported_where_it_opens_saying_the_file_ended()
    {
        var diagnostic = Only("name: demo\nversion: 'x\n");

        Assert.Equal((2, 10), (diagnostic.Line, diagnostic.Column));
        Assert.Contains("end of the file", diagnostic.Message);
    }

    [Fact]
    public void Alias_of_no_anchor_is_reported_at_the_alias()
    {
        var diagnostic = Only(Header + "steps: *missing\n");

        Assert.Equal(WorkflowErrors.WorkflowYamlMalformed.Id, diagnostic.ErrorId);
        Assert.Equal((3, 8), (diagnostic.Line, diagnostic.Column));
    }

    [Theory]
    [InlineData("    if: input.x > max(3)  # a comment\n")]
    [InlineData("    if: 'input.x == ''a'' && max(3)'\n")]
    [InlineData("    if: \"input.x == \\\"a\\\" && max(3)\"\n")]
    [InlineData("    if: \"input.x == \\u0061 && max(3)\"\n")]
    [InlineData("    if: input.x === 1 &&\n      max(3)\n")]
    [InlineData("    if: >-\n      input.x === 1 &&\n      max(3)\n")]
    [InlineData("    if: |-\n      input.x === 1 &&\n      max(3)\n")]
    [InlineData("    if:    input.x > max(3)\n")]
    public void Bad_expression_is_reported_at_the_function_call_in_the_file_whatever_the_scalar_style(string line)
    {
        var yaml = Header + "steps:\n  - name: b\n" + line + "    command: [echo]\n";

        var diagnostic = Only(yaml);

        Assert.Equal(WorkflowErrors.BadExpression.Id, diagnostic.ErrorId);
        Assert.Equal(Find(yaml, "max(3)"), (diagnostic.Line, diagnostic.Column));
        Assert.DoesNotContain("at column", diagnostic.Message); // the diagnostic's own column is the file's
    }

    [Fact]
    public void Expression_in_a_flow_mapping_is_reported_at_the_operator()
    {
        var yaml = Header + "steps:\n  - { name: b, if: 'input.x & 1', command: [echo] }\n";

        Assert.Equal(Find(yaml, "&"), (Only(yaml).Line, Only(yaml).Column));
    }

    [Fact]
    public void Unexpected_end_of_an_expression_is_reported_just_past_it()
    {
        var yaml = Header + "steps:\n  - name: b\n    if: \"input.x >\"\n    command: [echo]\n";

        var (line, column) = Find(yaml, "input.x >");

        Assert.Equal((line, column + "input.x >".Length), (Only(yaml).Line, Only(yaml).Column));
    }

    [Fact]
    public void Unknown_root_in_a_multi_line_expression_is_reported_on_its_line()
    {
        var yaml = Header + "steps:\n  - name: b\n    if: >-\n      input.x == 1 &&\n      nope.y\n    command: [echo]\n";

        var diagnostic = Only(yaml);

        Assert.Equal(WorkflowErrors.ExpressionBadRoot.Id, diagnostic.ErrorId);
        Assert.Equal(Find(yaml, "nope"), (diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void Byte_order_mark_is_not_part_of_the_first_key()
    {
        Assert.Empty(WorkflowReader.Parse("\uFEFF" + Header + "steps:\n  - name: a\n    command: [echo]\n", "workflow.yml", null).Diagnostics);
    }

    [Fact]
    public void Missing_folder_is_WorkflowFileNotFound_an_ObjectNotFound_with_no_position()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wf-missing-" + System.Guid.NewGuid().ToString("N"));

        var e = Assert.Throws<WorkflowException>(() => WorkflowReader.Load(path));

        Assert.Equal(WorkflowErrors.WorkflowFileNotFound.Id, e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
        Assert.Equal(path, e.Target);
        Assert.StartsWith($"'{path}' was not found.", e.Message);
        Assert.Contains("New-Workflow", e.Message);
    }

    [Fact]
    public void Folder_without_workflow_yml_is_ObjectNotFound_naming_the_folder()
    {
        var e = Assert.Throws<WorkflowException>(() => WorkflowReader.Load(folder.Path));

        Assert.Equal(WorkflowErrors.WorkflowFileNotFound.Id, e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
        Assert.Contains($"'{folder.Path}' holds no workflow.yml", e.Message);
    }

    [Fact]
    public void Script_syntax_error_is_a_diagnostic_at_its_line_and_column_in_the_script()
    {
        folder.Write("workflow.yml", Header + "steps:\n  - name: split\n    run: steps/split.ps1\n  - name: again\n    run: steps/split.ps1\n");
        var script = folder.Write("steps/split.ps1", "param($Context)\nif ($true) {\n");
        var checker = new FakeChecker(new ScriptSyntaxError(2, 12, "Missing closing '}' in statement block or type definition.", "MissingEndCurlyBrace"));

        var diagnostic = Assert.Single(WorkflowReader.Load(folder.Path, checker).Diagnostics);

        Assert.Equal(WorkflowErrors.StepScriptSyntaxError.Id, diagnostic.ErrorId);
        Assert.Equal((script, 2, 12), (diagnostic.File, diagnostic.Line, diagnostic.Column));
        Assert.Equal("Script 'steps/split.ps1' of step 'split' does not parse: Missing closing '}' in statement block or type definition. (MissingEndCurlyBrace) Fix the script; the step cannot run as it is.", diagnostic.Message);
        Assert.Equal(new[] { script }, checker.Checked); // two steps, one script: checked once
    }

    [Fact]
    public void Script_diagnostics_come_after_the_workflow_yml_ones()
    {
        folder.Write("workflow.yml", Header + "steps:\n  - name: split\n    run: steps/split.ps1\n    nope: 1\n");
        folder.Write("steps/split.ps1", "{");
        var checker = new FakeChecker(new ScriptSyntaxError(1, 1, "Missing closing '}'.", "MissingEndCurlyBrace"));

        var diagnostics = WorkflowReader.Load(folder.Path, checker).Diagnostics;

        Assert.Equal(new[] { WorkflowErrors.WorkflowUnknownKey.Id, WorkflowErrors.StepScriptSyntaxError.Id }, diagnostics.Select(d => d.ErrorId));
    }

    [Fact]
    public void Missing_script_is_not_given_to_the_checker()
    {
        folder.Write("workflow.yml", Header + "steps:\n  - name: split\n    run: steps/split.ps1\n");
        var checker = new FakeChecker();

        var diagnostic = Assert.Single(WorkflowReader.Load(folder.Path, checker).Diagnostics);

        Assert.Equal(WorkflowErrors.StepScriptMissing.Id, diagnostic.ErrorId);
        Assert.Empty(checker.Checked);
    }

    [Fact]
    public async Task Publishing_a_script_that_does_not_parse_is_refused_with_its_file_and_line()
    {
        folder.Write("workflow.yml", Header + "steps:\n  - name: split\n    run: steps/split.ps1\n");
        var script = folder.Write("steps/split.ps1", "if (");
        var checker = new FakeChecker(new ScriptSyntaxError(1, 5, "Missing expression.", "ExpectedExpression"));
        using var home = new Workflow.Tests.Engine.EngineHome();
        var engine = home.Open();

        var e = await Assert.ThrowsAsync<WorkflowException>(() => engine.Catalog.PublishAsync(folder.Path, force: false, checker));

        Assert.Equal(WorkflowErrors.StepScriptSyntaxError.Id, e.ErrorId);
        Assert.StartsWith($"{script}:1:5: Script 'steps/split.ps1'", e.Message);
        Assert.Empty(engine.Catalog.List());
    }

    private sealed class FakeChecker : IStepScriptChecker
    {
        private readonly ScriptSyntaxError[] errors;

        public FakeChecker(params ScriptSyntaxError[] errors) => this.errors = errors;

        public List<string> Checked { get; } = new();

        public IReadOnlyList<ScriptSyntaxError> Check(string path)
        {
            Checked.Add(path);
            return errors;
        }
    }
}
