using System;
using System.Globalization;
using System.Text.Json.Nodes;
using Acornima;
using Acornima.Ast;
using Workflow.Model;

namespace Workflow.Format;

/// <summary>
/// Evaluates a checked expression tree over an <see cref="ExpressionScope"/>. Values are read in place
/// (not copied); the caller copies the final result if it hands it out.
/// </summary>
internal sealed class ExpressionEvaluator
{
    private const string OutputKey = "output";

    private readonly ExpressionScope scope;
    private readonly string text;

    public ExpressionEvaluator(ExpressionScope scope, string text)
    {
        this.scope = scope ?? throw new ArgumentNullException(nameof(scope));
        this.text = text;
    }

    public JsonNode? Evaluate(Node node) => node switch
    {
        Identifier identifier => Root(identifier),
        NumericLiteral number => JsonValue.Create(number.Value),
        StringLiteral s => JsonValue.Create(s.Value),
        BooleanLiteral b => JsonValue.Create(b.Value),
        NullLiteral => null,
        MemberExpression member => Member(member),
        LogicalExpression logical => Logical(logical),
        NonLogicalBinaryExpression binary => Binary(binary),
        UnaryExpression unary => Unary(unary),
        ParenthesizedExpression group => Evaluate(group.Expression),
        // ExpressionSyntax has already rejected everything else.
        _ => throw Fail(node, $"cannot evaluate {node.Type}"),
    };

    private JsonNode? Root(Identifier identifier) => identifier.Name switch
    {
        "input" => scope.Input,
        "item" => scope.Item,
        _ => throw Fail(identifier, $"'{identifier.Name}' is not known; expressions read input, steps.<name>.output and item"),
    };

    private JsonNode? Member(MemberExpression member)
    {
        var key = Key(member);

        // steps.X.output reads the step's output directly; steps.X is an object whose only key is output.
        if (member.Object is MemberExpression { Object: Identifier { Name: ExpressionSyntax.StepsRoot } } stepAccess)
        {
            return key is string k && k == OutputKey && scope.StepOutputs.TryGetValue((string)Key(stepAccess), out var output)
                ? output
                : null;
        }
        if (member.Object is Identifier { Name: ExpressionSyntax.StepsRoot })
        {
            return scope.StepOutputs.TryGetValue((string)key, out var output)
                ? new JsonObject { [OutputKey] = output?.DeepClone() }
                : null;
        }
        return Access(Evaluate(member.Object), key);
    }

    /// <summary>The property name (string) or index (double) a member expression reads.</summary>
    private static object Key(MemberExpression member) => member.Property switch
    {
        NumericLiteral n when member.Computed => n.Value,
        StringLiteral s when member.Computed => s.Value,
        Identifier name => name.Name,
        _ => throw new InvalidOperationException("ExpressionSyntax allows only literal and name keys."),
    };

    private static JsonNode? Access(JsonNode? target, object key)
    {
        switch (target)
        {
            case JsonObject obj:
                var name = key as string ?? ((double)key).ToString("R", CultureInfo.InvariantCulture);
                return obj.TryGetPropertyValue(name, out var value) ? value : null;
            case JsonArray array:
                if (key is double index)
                {
                    return index >= 0 && index < array.Count && index == Math.Floor(index) ? array[(int)index] : null;
                }
                return (string)key == "length" ? JsonValue.Create(array.Count) : null;
            default:
                return key is "length" && ExpressionValues.TryString(target, out var s) ? JsonValue.Create(s.Length) : null;
        }
    }

    private JsonNode Logical(LogicalExpression logical)
    {
        var left = ExpressionValues.IsTruthy(Evaluate(logical.Left));
        var result = logical.Operator == Operator.LogicalAnd
            ? left && ExpressionValues.IsTruthy(Evaluate(logical.Right))
            : left || ExpressionValues.IsTruthy(Evaluate(logical.Right));
        return JsonValue.Create(result);
    }

    private JsonNode Binary(NonLogicalBinaryExpression binary)
    {
        var left = Evaluate(binary.Left);
        var right = Evaluate(binary.Right);
        switch (binary.Operator)
        {
            case Operator.Equality or Operator.StrictEquality:
                return JsonValue.Create(ExpressionValues.AreEqual(left, right));
            case Operator.Inequality or Operator.StrictInequality:
                return JsonValue.Create(!ExpressionValues.AreEqual(left, right));
            case Operator.LessThan:
                return JsonValue.Create(ExpressionValues.Compare(left, right) < 0);
            case Operator.LessThanOrEqual:
                return JsonValue.Create(ExpressionValues.Compare(left, right) <= 0);
            case Operator.GreaterThan:
                return JsonValue.Create(ExpressionValues.Compare(left, right) > 0);
            case Operator.GreaterThanOrEqual:
                return JsonValue.Create(ExpressionValues.Compare(left, right) >= 0);
        }

        var op = NonLogicalBinaryExpression.OperatorToString(binary.Operator);
        if (!ExpressionValues.TryNumber(left, out var a) || !ExpressionValues.TryNumber(right, out var b))
        {
            throw Fail(binary, $"'{op}' needs two numbers, but got {ExpressionValues.Describe(left)} and {ExpressionValues.Describe(right)}");
        }
        var result = binary.Operator switch
        {
            Operator.Addition => a + b,
            Operator.Subtraction => a - b,
            Operator.Multiplication => a * b,
            Operator.Division => a / b,
            Operator.Remainder => a % b,
            _ => throw Fail(binary, $"cannot evaluate the operator '{op}'"),
        };
        // JSON has no Infinity or NaN, so a division by zero cannot become a value.
        if (double.IsNaN(result) || double.IsInfinity(result))
        {
            throw Fail(binary, $"'{op}' gave no finite number (division by zero?)");
        }
        return JsonValue.Create(result);
    }

    private JsonNode Unary(UnaryExpression unary)
    {
        var argument = Evaluate(unary.Argument);
        if (unary.Operator == Operator.LogicalNot)
        {
            return JsonValue.Create(!ExpressionValues.IsTruthy(argument));
        }
        if (unary.Operator == Operator.UnaryNegation && ExpressionValues.TryNumber(argument, out var number))
        {
            return JsonValue.Create(-number);
        }
        throw Fail(unary, $"'-' needs a number, but got {ExpressionValues.Describe(argument)}");
    }

    private ExpressionException Fail(Node node, string reason)
    {
        var column = node.Start + 1;
        return new ExpressionException(
            WorkflowErrors.ExpressionEvaluationFailed,
            $"Expression '{text}' failed at column {column}: {reason}.",
            text,
            column);
    }
}
