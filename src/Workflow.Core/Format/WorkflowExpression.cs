using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Acornima;
using Acornima.Ast;
using Workflow.Model;

namespace Workflow.Format;

/// <summary>
/// An expression in workflow.yml's <c>if</c>, <c>foreach</c> and <c>output</c>: a small, side-effect-free
/// part of JavaScript expression syntax, evaluated over the run's JSON values.
/// </summary>
/// <remarks>
/// <para><b>Names.</b> <c>input</c> is the run argument; <c>steps.&lt;name&gt;.output</c> (or
/// <c>steps['name'].output</c>) is a finished step's output, and a step's <c>if</c> and <c>foreach</c> may
/// only read steps it needs (directly or through other needs); <c>item</c> is the current foreach item,
/// readable in a step but not in <c>output</c>.</para>
/// <para><b>Member access.</b> <c>a.b</c>, <c>a['b']</c> and <c>a[0]</c> (the index must be a literal).
/// A missing property, an index out of range, or access on null gives null rather than an error.
/// <c>.length</c> of an array or string is its count.</para>
/// <para><b>Literals.</b> Numbers, strings in single or double quotes, <c>true</c>, <c>false</c>, <c>null</c>.</para>
/// <para><b>Operators.</b> <c>==</c> <c>!=</c> (the same as <c>===</c> <c>!==</c>) compare JSON values without
/// type coercion: <c>1 == '1'</c> is false. <c>&lt; &lt;= &gt; &gt;=</c> compare two numbers, or two strings
/// ordinally, and are false otherwise. <c>+ - * / %</c> and unary <c>-</c> work on numbers only.
/// <c>&amp;&amp;</c>, <c>||</c> and <c>!</c> give true or false: null, false, 0, "" and [] count as false,
/// anything else as true. Parentheses group.</para>
/// <para>Anything else (function calls, assignment, <c>?:</c>, template strings, object or array literals)
/// is rejected when the workflow is read, with its column.</para>
/// </remarks>
public sealed class WorkflowExpression
{
    internal const string SyntaxSummary =
        "Expressions read input, steps.<name>.output and item with '.' and [literal] access, and use literals, " +
        "== != === !== < <= > >=, + - * / %, && || ! and parentheses.";

    // Expressions are re-read on every step decision of every run; parse each text once. The cap only
    // guards against unbounded growth from generated texts: a cleared cache just parses again.
    private const int CacheLimit = 4096;
    private static readonly ConcurrentDictionary<string, WorkflowExpression> Cache = new(StringComparer.Ordinal);

    private readonly Expression tree;

    private WorkflowExpression(string text, Expression tree, ExpressionSyntax syntax)
    {
        Text = text;
        this.tree = tree;
        RootNames = syntax.Roots;
        StepNames = syntax.Steps;
        Roots = syntax.Roots.Select(r => r.Name).Distinct(StringComparer.Ordinal).ToArray();
        StepReferences = syntax.Steps.Select(s => s.Name).Distinct(StringComparer.Ordinal).ToArray();
    }

    public string Text { get; }

    /// <summary>The step names read as <c>steps.X</c> or <c>steps['X']</c>, each once.</summary>
    public IReadOnlyCollection<string> StepReferences { get; }

    /// <summary>The top-level names read (<c>input</c>, <c>steps</c>, <c>item</c>, or unknown ones), each once.</summary>
    public IReadOnlyCollection<string> Roots { get; }

    /// <summary>Every root name read, with its column, for diagnostics.</summary>
    internal IReadOnlyList<ExpressionName> RootNames { get; }

    /// <summary>Every step name read, with its column, for diagnostics.</summary>
    internal IReadOnlyList<ExpressionName> StepNames { get; }

    /// <summary>Parses (or takes from the cache) an expression; throws <see cref="ExpressionException"/> if it is not valid.</summary>
    public static WorkflowExpression Parse(string text)
    {
        if (text == null)
        {
            throw new ArgumentNullException(nameof(text));
        }
        if (Cache.TryGetValue(text, out var cached))
        {
            return cached;
        }
        var expression = Create(text);
        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear();
        }
        return Cache.GetOrAdd(text, expression);
    }

    /// <summary>The expression's value; data read from <paramref name="scope"/> is copied, so the caller owns the result.</summary>
    public JsonNode? Evaluate(ExpressionScope scope) => new ExpressionEvaluator(scope, Text).Evaluate(tree)?.DeepClone();

    /// <summary>Whether the value is truthy: not null, false, 0, "" or an empty array.</summary>
    public bool IsTrue(ExpressionScope scope) => ExpressionValues.IsTruthy(new ExpressionEvaluator(scope, Text).Evaluate(tree));

    public override string ToString() => Text;

    private static WorkflowExpression Create(string text)
    {
        Expression tree;
        try
        {
            // A parser per call: Acornima's parser keeps state while it runs, and creating one is cheap.
            tree = new Parser().ParseExpression(text);
        }
        catch (ParseErrorException e)
        {
            var column = e.Error.IsIndexDefined ? e.Error.Index + 1 : e.Column + 1;
            throw new ExpressionException(
                WorkflowErrors.BadExpression,
                $"Expression '{text}' is not valid: {e.Description} at column {column}. {SyntaxSummary}",
                text,
                column,
                $"Expression '{text}' is not valid: {e.Description}. {SyntaxSummary}");
        }
        return new WorkflowExpression(text, tree, ExpressionSyntax.Check(tree, text));
    }
}
