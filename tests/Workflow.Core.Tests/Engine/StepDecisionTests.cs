using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Workflow.Engine;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>DESIGN §3 as a table: the states of a step's needs, its if and foreach, and what its needs produced give its decision.</summary>
public sealed class StepDecisionTests
{
    [Theory]
    [InlineData("", StepVerdict.Run)]
    [InlineData("Succeeded", StepVerdict.Run)]
    [InlineData("Succeeded,Succeeded", StepVerdict.Run)]
    [InlineData("Pending", StepVerdict.Wait)]
    [InlineData("Running", StepVerdict.Wait)]
    [InlineData("Succeeded,Running", StepVerdict.Wait)]
    [InlineData("Skipped,Pending", StepVerdict.Wait)]
    [InlineData("Skipped", StepVerdict.Skip)]
    [InlineData("Skipped,Skipped,Skipped", StepVerdict.Skip)]
    [InlineData("Skipped,Succeeded", StepVerdict.Run)]
    [InlineData("Succeeded,Skipped", StepVerdict.Run)]
    [InlineData("Failed", StepVerdict.Cancel)]
    [InlineData("Cancelled", StepVerdict.Cancel)]
    [InlineData("Succeeded,Failed", StepVerdict.Cancel)]
    [InlineData("Skipped,Failed", StepVerdict.Cancel)]
    [InlineData("Skipped,Cancelled", StepVerdict.Cancel)]
    [InlineData("Succeeded,Skipped,Cancelled", StepVerdict.Cancel)]
    public void Needs_states_decide_the_verdict(string needStates, StepVerdict expected)
    {
        var (step, states) = StepNeeding(needStates);

        Assert.Equal(expected, Decide(step, states).Verdict);
        Assert.Equal(expected, StepDecision.Readiness(step, states));
    }

    [Theory]
    [InlineData("Skipped", "Running")]
    [InlineData("Succeeded", "Pending")]
    [InlineData("Failed", "Skipped")]
    [InlineData("Cancelled", "Succeeded")]
    public void Verdict_does_not_depend_on_the_order_of_needs(string one, string other) =>
        AssertOrderIndependent(one, other);

    [Theory]
    [InlineData("Failed", "Pending")]
    [InlineData("Cancelled", "Running")]
    public void Verdict_with_a_failed_need_and_an_unfinished_need_does_not_depend_on_their_order(string one, string other) =>
        AssertOrderIndependent(one, other);

    [Fact]
    public void Decision_reads_only_the_steps_needs()
    {
        var step = new StepDefinition { Name = "join", Needs = new[] { "a" } };
        var states = new Dictionary<string, StepState> { ["a"] = StepState.Succeeded, ["unrelated"] = StepState.Failed, ["join"] = StepState.Pending };

        Assert.Equal(StepVerdict.Run, Decide(step, states).Verdict);
    }

    [Fact]
    public void Step_without_needs_runs_one_task_with_the_run_input_and_no_steps()
    {
        var plan = StepDecision.Decide(new StepDefinition { Name = "first" }, NoStates, Scope("""{"n":3}"""));

        Assert.Equal(StepVerdict.Run, plan.Verdict);
        Assert.Equal("""{"input":{"n":3},"steps":{}}""", plan.Input!.Json);
        Assert.Null(plan.Items);
        Assert.Null(plan.Error);
    }

    [Fact]
    public void Step_whose_needs_were_all_skipped_is_skipped_without_reading_its_if()
    {
        // The if would fail to evaluate: it is not looked at.
        var step = new StepDefinition { Name = "after", Needs = new[] { "a", "b" }, If = "steps.a.output.n > 1" };

        var plan = StepDecision.Decide(step, States(("a", StepState.Skipped), ("b", StepState.Skipped)), Scope());

        Assert.Equal(StepVerdict.Skip, plan.Verdict);
        Assert.Null(plan.Input);
    }

    [Theory]
    [InlineData(StepState.Failed)]
    [InlineData(StepState.Cancelled)]
    public void Step_with_a_failed_or_cancelled_need_is_cancelled(StepState need)
    {
        var step = new StepDefinition { Name = "after", Needs = new[] { "a", "b" }, Foreach = "steps.a.output" };

        var plan = StepDecision.Decide(step, States(("a", StepState.Succeeded), ("b", need)), Scope(null, ("a", "[1,2]")));

        Assert.Equal(StepVerdict.Cancel, plan.Verdict);
        Assert.Null(plan.Items);
    }

    [Fact]
    public void Step_whose_if_is_false_is_skipped()
    {
        var step = new StepDefinition { Name = "notify", Needs = new[] { "split" }, If = "steps.split.output.count > 10" };

        var plan = StepDecision.Decide(step, States(("split", StepState.Succeeded)), Scope(null, ("split", """{"count":3}""")));

        Assert.Equal(StepVerdict.Skip, plan.Verdict);
    }

    [Fact]
    public void Step_whose_if_is_true_runs_with_its_needs_outputs()
    {
        var step = new StepDefinition { Name = "notify", Needs = new[] { "split" }, If = "steps.split.output.count > 10 && input.send" };

        var plan = StepDecision.Decide(step, States(("split", StepState.Succeeded)), Scope("""{"send":true}""", ("split", """{"count":11}""")));

        Assert.Equal(StepVerdict.Run, plan.Verdict);
        Assert.Equal("""{"input":{"send":true},"steps":{"split":{"count":11}}}""", plan.Input!.Json);
    }

    [Fact]
    public void If_reads_an_ancestors_output_that_the_input_document_leaves_out()
    {
        // root -> middle -> last: last's if reads root, its document holds middle only.
        var step = new StepDefinition { Name = "last", Needs = new[] { "middle" }, If = "steps.root.output.go" };
        var states = States(("middle", StepState.Succeeded));

        var run = StepDecision.Decide(step, states, Scope(null, ("root", """{"go":true}"""), ("middle", "1")));
        var skip = StepDecision.Decide(step, states, Scope(null, ("root", """{"go":false}"""), ("middle", "1")));

        Assert.Equal(StepVerdict.Run, run.Verdict);
        Assert.Equal("""{"input":null,"steps":{"middle":1}}""", run.Input!.Json);
        Assert.Equal(StepVerdict.Skip, skip.Verdict);
    }

    [Fact]
    public void A_skipped_need_beside_a_succeeded_one_is_null_in_the_input_document()
    {
        var step = new StepDefinition { Name = "join", Needs = new[] { "a", "b" } };

        var plan = StepDecision.Decide(step, States(("a", StepState.Skipped), ("b", StepState.Succeeded)), Scope(null, ("b", "\"x\"")));

        Assert.Equal(StepVerdict.Run, plan.Verdict);
        Assert.Equal("""{"input":null,"steps":{"a":null,"b":"x"}}""", plan.Input!.Json);
    }

    [Fact]
    public void Foreach_over_an_empty_array_succeeds_with_an_empty_array()
    {
        var plan = StepDecision.Decide(Fan, States(("list", StepState.Succeeded)), Scope(null, ("list", "[]")));

        Assert.Equal(StepVerdict.Succeed, plan.Verdict);
        Assert.Equal("[]", plan.Items!.ToJsonString());
        Assert.Null(plan.Input);
    }

    [Theory]
    [InlineData("""["a"]""")]
    [InlineData("""["a",{"b":2},null,[3]]""")]
    public void Foreach_runs_one_task_per_item_in_item_order_sharing_one_input(string array)
    {
        var plan = StepDecision.Decide(Fan, States(("list", StepState.Succeeded)), Scope(null, ("list", array)));

        Assert.Equal(StepVerdict.RunItems, plan.Verdict);
        Assert.Equal(array, plan.Items!.ToJsonString());
        Assert.Equal("""{"input":null,"steps":{"list":""" + array + "}}", plan.Input!.Json);
    }

    [Theory]
    [InlineData("""{"images":[]}""")]
    [InlineData("3")]
    [InlineData("null")]
    public void Foreach_over_anything_but_an_array_fails_with_ForeachNotArray(string output)
    {
        var plan = StepDecision.Decide(Fan, States(("list", StepState.Succeeded)), Scope(null, ("list", output)));

        Assert.Equal(StepVerdict.Fail, plan.Verdict);
        Assert.Equal("ForeachNotArray", plan.Error!.ErrorId);
        Assert.Equal(FailureKind.InvalidData, plan.Error.Kind);
        Assert.Contains("steps.list.output", plan.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-steps.list.output > 1", null)]
    [InlineData(null, "-steps.list.output")]
    public void An_expression_that_cannot_be_evaluated_fails_the_step_with_its_error(string? condition, string? fanOut)
    {
        var step = new StepDefinition { Name = "fan", Needs = new[] { "list" }, If = condition, Foreach = fanOut };

        var plan = StepDecision.Decide(step, States(("list", StepState.Succeeded)), Scope(null, ("list", "\"text\"")));

        Assert.Equal(StepVerdict.Fail, plan.Verdict);
        Assert.Equal(WorkflowErrors.ExpressionEvaluationFailed.Id, plan.Error!.ErrorId);
        Assert.Contains("needs a number", plan.Error.Message, StringComparison.Ordinal);
    }

    private static readonly StepDefinition Fan = new() { Name = "fan", Needs = new[] { "list" }, Foreach = "steps.list.output" };

    private static readonly IReadOnlyDictionary<string, StepState> NoStates = new Dictionary<string, StepState>();

    private static StepPlan Decide(StepDefinition step, IReadOnlyDictionary<string, StepState> states) =>
        StepDecision.Decide(step, states, new ExpressionScope());

    private static IReadOnlyDictionary<string, StepState> States(params (string Step, StepState State)[] states) =>
        states.ToDictionary(s => s.Step, s => s.State);

    private static ExpressionScope Scope(string? input = null, params (string Step, string Json)[] outputs) => new()
    {
        Input = input == null ? null : JsonNode.Parse(input),
        StepOutputs = outputs.ToDictionary(o => o.Step, o => JsonNode.Parse(o.Json)),
    };

    private static void AssertOrderIndependent(string one, string other)
    {
        var (forward, forwardStates) = StepNeeding($"{one},{other}");
        var (backward, backwardStates) = StepNeeding($"{other},{one}");

        Assert.Equal(Decide(forward, forwardStates).Verdict, Decide(backward, backwardStates).Verdict);
    }

    private static (StepDefinition Step, IReadOnlyDictionary<string, StepState> States) StepNeeding(string needStates)
    {
        var parsed = needStates.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<StepState>).ToArray();
        var names = parsed.Select((_, i) => $"need{i}").ToArray();
        var states = names.Zip(parsed).ToDictionary(p => p.First, p => p.Second);
        return (new StepDefinition { Name = "step", Needs = names }, states);
    }
}
