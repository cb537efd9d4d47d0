using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Workflow.Format;

namespace Workflow.Tests.Format;

public sealed class WorkflowExpressionTests
{
    private static readonly ExpressionScope Scope = new()
    {
        Input = JsonNode.Parse("""
            { "count": 12, "name": "img", "tags": ["a", "b"], "flag": false, "none": null,
              "nested": { "x": 1 }, "empty": "", "zero": 0, "list": [] }
            """),
        StepOutputs = new Dictionary<string, JsonNode?>
        {
            ["split"] = JsonNode.Parse("""{ "images": [1, 2, 3], "count": 3 }"""),
            ["skipped"] = null,
            // Built in code rather than parsed: numbers held as int must compare and add the same.
            ["built"] = new JsonObject { ["count"] = 3, ["label"] = "x" },
        },
        Item = JsonNode.Parse("""{ "size": 5 }"""),
    };

    [Theory]
    // comparisons
    [InlineData("input.count > 10", "true")]
    [InlineData("input.count >= 12 && input.count < 13", "true")]
    [InlineData("input.count <= 11", "false")]
    [InlineData("input.count == 12.0", "true")]
    [InlineData("input.count === 12", "true")]
    [InlineData("input.count == '12'", "false")]
    [InlineData("input.name == 'img'", "true")]
    [InlineData("input.name !== \"img\"", "false")]
    [InlineData("input.name != 'x'", "true")]
    [InlineData("input.nested == input.nested", "true")]
    [InlineData("steps.built.output.count == steps.split.output.count", "true")]
    // strings compare ordinally; mixed kinds do not order
    [InlineData("'abc' < 'abd'", "true")]
    [InlineData("'B' < 'a'", "true")]
    [InlineData("input.name < 5", "false")]
    [InlineData("input.name >= 5", "false")]
    // logic and truthiness
    [InlineData("input.flag || input.count", "true")]
    [InlineData("input.flag && input.count", "false")]
    [InlineData("!input.flag", "true")]
    [InlineData("!input.empty && !input.zero && !input.list && !input.none", "true")]
    [InlineData("!input.tags", "false")]
    [InlineData("!input.nested", "false")]
    // missing values are null, never an error
    [InlineData("input.missing", "null")]
    [InlineData("input.missing.deeper.still", "null")]
    [InlineData("input.none.x", "null")]
    [InlineData("!input.missing", "true")]
    [InlineData("input.missing == null", "true")]
    [InlineData("input.tags[5]", "null")]
    [InlineData("input.count.x", "null")]
    // member access, length
    [InlineData("input.tags[1]", "\"b\"")]
    [InlineData("input['name']", "\"img\"")]
    [InlineData("input.tags.length", "2")]
    [InlineData("input.name.length", "3")]
    [InlineData("steps.split.output.images.length", "3")]
    [InlineData("steps['split'].output.count", "3")]
    [InlineData("steps.split.output", "{\"images\":[1,2,3],\"count\":3}")]
    [InlineData("steps.split", "{\"output\":{\"images\":[1,2,3],\"count\":3}}")]
    [InlineData("steps.split.state", "null")]
    [InlineData("steps.skipped.output", "null")]
    [InlineData("steps.nope.output", "null")]
    [InlineData("item.size > 3", "true")]
    // arithmetic
    [InlineData("steps.split.output.count * 2 + 1", "7")]
    [InlineData("steps.built.output.count + 1", "4")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("7 % 4", "3")]
    [InlineData("10 / 4", "2.5")]
    [InlineData("-input.count", "-12")]
    [InlineData("input.count - 2 > 9", "true")]
    public void Expression_evaluates_over_json(string expression, string expectedJson)
    {
        var value = WorkflowExpression.Parse(expression).Evaluate(Scope);

        Assert.Equal(expectedJson, value?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData("input.tags", true)]
    [InlineData("input.nested", true)]
    [InlineData("'no'", true)]
    [InlineData("''", false)]
    [InlineData("0", false)]
    [InlineData("input.list", false)]
    [InlineData("input.missing", false)]
    [InlineData("steps.skipped.output", false)]
    public void IsTrue_uses_truthiness(string expression, bool expected)
    {
        Assert.Equal(expected, WorkflowExpression.Parse(expression).IsTrue(Scope));
    }

    [Theory]
    [InlineData("f(1)", 1, "function call")]
    [InlineData("input.count > max(3)", 15, "function call")]
    [InlineData("input.x = 1", 1, "assignment")]
    [InlineData("input.x ? 1 : 2", 1, "conditional")]
    [InlineData("`x${input}`", 1, "template")]
    [InlineData("new Date()", 1, "'new'")]
    [InlineData("this.x", 1, "'this'")]
    [InlineData("input?.x", 1, "optional chaining")]
    [InlineData("input[input.key]", 7, "index")]
    [InlineData("[1, 2]", 1, "array literal")]
    [InlineData("input.a in input", 9, "'in'")]
    [InlineData("input.a ?? 1", 9, "'??'")]
    [InlineData("x => x", 1, "function")]
    [InlineData("typeof input", 1, "'typeof'")]
    [InlineData("steps == null", 1, "'steps' without a step name")]
    [InlineData("input.count ==", 15, "not valid")]
    [InlineData("", 1, "not valid")]
    public void Unsupported_syntax_is_BadExpression_with_its_column(string expression, int column, string named)
    {
        var error = Assert.Throws<ExpressionException>(() => WorkflowExpression.Parse(expression));

        Assert.Equal("BadExpression", error.ErrorId);
        Assert.Equal(Workflow.Model.FailureKind.InvalidData, error.Kind);
        Assert.Equal(column, error.Column);
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("input.name * 2")]
    [InlineData("input.count / 0")]
    [InlineData("-input.name")]
    [InlineData("input.count + 'x'")]
    [InlineData("unknown.x")]
    public void Evaluation_of_wrong_kinds_is_ExpressionEvaluationFailed(string expression)
    {
        var parsed = WorkflowExpression.Parse(expression);

        var error = Assert.Throws<ExpressionException>(() => parsed.Evaluate(Scope));

        Assert.Equal("ExpressionEvaluationFailed", error.ErrorId);
        Assert.True(error.Column >= 1);
    }

    [Fact]
    public void References_list_steps_and_roots_once_each()
    {
        var expression = WorkflowExpression.Parse("steps.a.output.x && steps['b'].output || input.y == item && steps.a.output.z");

        Assert.Equal(new[] { "a", "b" }, expression.StepReferences.OrderBy(s => s));
        Assert.Equal(new[] { "input", "item", "steps" }, expression.Roots.OrderBy(r => r));
    }

    [Fact]
    public void Parsed_expressions_are_cached_by_text()
    {
        Assert.Same(WorkflowExpression.Parse("input.a == 1"), WorkflowExpression.Parse("input.a == 1"));
    }

    [Fact]
    public void Evaluated_values_belong_to_the_caller()
    {
        var expression = WorkflowExpression.Parse("steps.split.output.images");
        var collected = new JsonArray();

        // Adding to another parent would throw if the scope's own nodes were handed out.
        collected.Add(expression.Evaluate(Scope));
        collected.Add(expression.Evaluate(Scope));

        Assert.Equal("[[1,2,3],[1,2,3]]", collected.ToJsonString());
        Assert.Equal(3, Scope.StepOutputs["split"]!["images"]!.AsArray().Count);
    }

    [Fact]
    public void Expressions_parse_and_evaluate_concurrently()
    {
        var results = new bool[200];

        Parallel.For(0, results.Length, i =>
        {
            results[i] = WorkflowExpression.Parse($"input.count + {i % 7} > {i % 13}").IsTrue(Scope) == (12 + i % 7 > i % 13);
        });

        Assert.All(results, Assert.True);
    }
}
