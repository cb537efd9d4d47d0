using System.Collections.Generic;
using Acornima;
using Acornima.Ast;
using Workflow.Model;

namespace Workflow.Format;

/// <summary>A name an expression reads, with its 1-based column in the expression text.</summary>
internal readonly record struct ExpressionName(string Name, int Column);

/// <summary>
/// Checks a parsed JavaScript expression against the small whitelist workflow expressions allow,
/// and collects the root names and step names it reads.
/// </summary>
internal sealed class ExpressionSyntax
{
    public const string StepsRoot = "steps";

    private readonly string text;
    private readonly List<ExpressionName> roots = new();
    private readonly List<ExpressionName> steps = new();

    private ExpressionSyntax(string text) => this.text = text;

    public IReadOnlyList<ExpressionName> Roots => roots;
    public IReadOnlyList<ExpressionName> Steps => steps;

    /// <summary>Walks the whole tree; throws <see cref="ExpressionException"/> at the first construct outside the whitelist.</summary>
    public static ExpressionSyntax Check(Expression tree, string text)
    {
        var syntax = new ExpressionSyntax(text);
        syntax.Visit(tree);
        return syntax;
    }

    private void Visit(Node node)
    {
        switch (node)
        {
            case Identifier identifier:
                if (identifier.Name == StepsRoot)
                {
                    throw Reject(node, "'steps' without a step name; write steps.<name>.output");
                }
                roots.Add(new ExpressionName(identifier.Name, Column(node)));
                break;
            case NumericLiteral number when double.IsInfinity(number.Value):
                throw Reject(node, "a number too large for JSON");
            case NumericLiteral or StringLiteral or BooleanLiteral or NullLiteral:
                break;
            case MemberExpression member:
                VisitMember(member);
                break;
            case LogicalExpression logical:
                if (logical.Operator is not (Operator.LogicalAnd or Operator.LogicalOr))
                {
                    throw RejectOperator(logical, LogicalExpression.OperatorToString(logical.Operator) ?? logical.Operator.ToString());
                }
                Visit(logical.Left);
                Visit(logical.Right);
                break;
            case NonLogicalBinaryExpression binary:
                if (!IsAllowed(binary.Operator))
                {
                    throw RejectOperator(binary, NonLogicalBinaryExpression.OperatorToString(binary.Operator) ?? binary.Operator.ToString());
                }
                Visit(binary.Left);
                Visit(binary.Right);
                break;
            case UnaryExpression unary when unary.Type == NodeType.UnaryExpression:
                if (unary.Operator is not (Operator.LogicalNot or Operator.UnaryNegation))
                {
                    throw Reject(node, $"the operator '{UnaryOperatorText(unary.Operator)}'");
                }
                Visit(unary.Argument);
                break;
            case ParenthesizedExpression group:
                Visit(group.Expression);
                break;
            default:
                throw Reject(node, Describe(node));
        }
    }

    private void VisitMember(MemberExpression member)
    {
        string? property;
        if (member.Computed)
        {
            property = member.Property switch
            {
                StringLiteral s => s.Value,
                NumericLiteral => null,
                _ => throw Reject(member.Property, "an index that is not a literal number or string"),
            };
        }
        else
        {
            property = member.Property is Identifier name
                ? name.Name
                : throw Reject(member.Property, Describe(member.Property));
        }

        if (member.Object is Identifier { Name: StepsRoot } stepsNode)
        {
            if (property == null)
            {
                throw Reject(member.Property, "a step index; name the step, as in steps.<name>.output");
            }
            roots.Add(new ExpressionName(StepsRoot, Column(stepsNode)));
            steps.Add(new ExpressionName(property, Column(member.Property)));
            return;
        }
        Visit(member.Object);
    }

    private static bool IsAllowed(Operator op) => op is
        Operator.Equality or Operator.Inequality or Operator.StrictEquality or Operator.StrictInequality or
        Operator.LessThan or Operator.LessThanOrEqual or Operator.GreaterThan or Operator.GreaterThanOrEqual or
        Operator.Addition or Operator.Subtraction or Operator.Multiplication or Operator.Division or Operator.Remainder;

    // The node's start is its left operand; point at the operator itself, between the operands.
    private ExpressionException RejectOperator(BinaryExpression binary, string op)
    {
        var at = text.IndexOf(op, binary.Left.End, binary.Right.Start - binary.Left.End, System.StringComparison.Ordinal);
        return Reject(at >= 0 ? at + 1 : Column(binary), $"the operator '{op}'");
    }

    private ExpressionException Reject(Node node, string construct) => Reject(Column(node), construct);

    private ExpressionException Reject(int column, string construct) => new(
        WorkflowErrors.BadExpression,
        $"Expression '{text}' uses {construct} at column {column}, which is not supported. {WorkflowExpression.SyntaxSummary}",
        text,
        column,
        $"Expression '{text}' uses {construct}, which is not supported. {WorkflowExpression.SyntaxSummary}");

    private static string UnaryOperatorText(Operator op) => op switch
    {
        Operator.TypeOf => "typeof",
        Operator.Void => "void",
        Operator.Delete => "delete",
        Operator.UnaryPlus => "+",
        Operator.BitwiseNot => "~",
        _ => op.ToString(),
    };

    private static int Column(Node node) => node.Start + 1;

    private static string Describe(Node node) => node.Type switch
    {
        NodeType.CallExpression => "a function call",
        NodeType.NewExpression => "'new'",
        NodeType.AssignmentExpression => "an assignment",
        NodeType.UpdateExpression => "'++' or '--'",
        NodeType.ArrowFunctionExpression or NodeType.FunctionExpression => "a function",
        NodeType.ClassExpression => "a class",
        NodeType.TemplateLiteral => "a template literal",
        NodeType.TaggedTemplateExpression => "a tagged template",
        NodeType.ThisExpression => "'this'",
        NodeType.Super => "'super'",
        NodeType.ConditionalExpression => "the conditional operator '?:'",
        NodeType.SequenceExpression => "the comma operator",
        NodeType.ObjectExpression => "an object literal",
        NodeType.ArrayExpression => "an array literal",
        NodeType.ChainExpression => "optional chaining '?.' (plain member access on a missing value already gives null)",
        NodeType.AwaitExpression => "'await'",
        NodeType.YieldExpression => "'yield'",
        NodeType.SpreadElement => "spread '...'",
        NodeType.ImportExpression => "import()",
        NodeType.MetaProperty => "a meta property",
        NodeType.PrivateIdentifier => "a private name",
        NodeType.Literal => "a regular expression or BigInt literal",
        _ => node.Type.ToString(),
    };
}
