using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Engine;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>The readiness rule as a table: the states of a step's needs give its verdict.</summary>
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

        Assert.Equal(expected, StepDecision.Decide(step, states));
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

        Assert.Equal(StepVerdict.Run, StepDecision.Decide(step, states));
    }

    private static void AssertOrderIndependent(string one, string other)
    {
        var (forward, forwardStates) = StepNeeding($"{one},{other}");
        var (backward, backwardStates) = StepNeeding($"{other},{one}");

        Assert.Equal(StepDecision.Decide(forward, forwardStates), StepDecision.Decide(backward, backwardStates));
    }

    private static (StepDefinition Step, IReadOnlyDictionary<string, StepState> States) StepNeeding(string needStates)
    {
        var parsed = needStates.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<StepState>).ToArray();
        var names = parsed.Select((_, i) => $"need{i}").ToArray();
        var states = names.Zip(parsed).ToDictionary(p => p.First, p => p.Second);
        return (new StepDefinition { Name = "step", Needs = names }, states);
    }
}
