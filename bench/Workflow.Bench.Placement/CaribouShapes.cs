using System;
using System.Collections.Generic;
using System.Linq;
using Workflow.Model;

namespace Workflow.Bench.Placement;

/// <summary>One of Caribou's paper benchmarks as a workflow, with what its runs say of each step.</summary>
internal sealed record Shape(string Name, WorkflowDefinition Definition, IReadOnlyDictionary<string, StepProfile> Steps, IReadOnlyList<string> Assumptions);

/// <summary>
/// Caribou's five paper benchmarks (repo ubc-cirrus-lab/caribou, benchmarks/&lt;name&gt;/app.py and
/// .caribou/config.yml): their functions, edges and memory sizes. Neither the repo nor the paper's
/// text we could read gives per-function runtimes or output sizes: those are assumptions, labelled.
/// </summary>
internal static class CaribouShapes
{
    public const string Home = "aws:us-east-1";

    public static IReadOnlyList<Shape> All() => new[]
    {
        // dna_visualization/app.py: one function, Visualize (entry point); memory assumed 1024 MB (config.yml sets none we could read).
        Build("dna_visualization", 1024, "assumed: 1024 MB (no memory in app.py)",
            ("visualize", Array.Empty<string>(), 8.0, 120e3)),
        // rag_data_ingestion/app.py: upload_trigger → generate_embeddings.
        Build("rag_data_ingestion", 1024, "assumed: 1024 MB (no memory in app.py)",
            ("upload_trigger", Array.Empty<string>(), 2.0, 1e3),
            ("generate_embeddings", new[] { "upload_trigger" }, 20.0, 1e3)),
        // image_processing: an entry that fans out to five image operations (DESIGN §7; the app.py
        // version we read chains them, GetInput 128 MB); memory of the operations assumed 1024 MB.
        Build("image_processing", 1024, "assumed: 1024 MB for the image operations (GetInput's 128 MB from app.py)",
            ("get_input", Array.Empty<string>(), 0.5, 2e6),
            ("flip", new[] { "get_input" }, 1.5, 2e6),
            ("rotate", new[] { "get_input" }, 1.5, 2e6),
            ("filter", new[] { "get_input" }, 2.0, 2e6),
            ("greyscale", new[] { "get_input" }, 1.2, 1e6),
            ("resize", new[] { "get_input" }, 1.0, 0.3e6)),
        // text_2_speech_censoring/app.py: every function memory=128; a diamond closed by a fan-in
        // (DESIGN §7's 5 steps: the speech branch and the profanity branch meet at censor).
        Build("text_2_speech_censoring", 128, "128 MB (app.py: memory=128 on every function)",
            ("get_input", Array.Empty<string>(), 0.3, 1e3),
            ("text_2_speech", new[] { "get_input" }, 3.0, 0.5e6),
            ("conversion", new[] { "text_2_speech" }, 4.0, 5e6),
            ("profanity", new[] { "get_input" }, 0.5, 1e3),
            ("censor", new[] { "conversion", "profanity" }, 6.0, 5e6)),
        // video_analytics/app.py: streaming → decode → recognition ×6 (MAX_FANOUT_NUM = 6) → consolidate
        // (get_predecessor_data: a fan-in); config.yml: memory 2048.
        Build("video_analytics", 2048, "2048 MB (.caribou/config.yml providers.aws.config.memory)",
            new[] { ("streaming", Array.Empty<string>(), 6.0, 20e6), ("decode", new[] { "streaming" }, 10.0, 50e6) }
                .Concat(Enumerable.Range(1, 6).Select(i => ($"recognition_{i}", new[] { "decode" }, 15.0, 0.2e6)))
                .Append(("consolidate", Enumerable.Range(1, 6).Select(i => $"recognition_{i}").ToArray(), 2.0, 0.1e6))
                .ToArray()),
    };

    /// <summary>Runtime samples are the step's assumed median × these spreads (assumed: ±10% with a 25% tail).</summary>
    private static readonly double[] Spread = { 0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 1.25 };

    private static Shape Build(string name, int memoryMb, string memorySource, params (string Step, string[] Needs, double Seconds, double OutputBytes)[] steps)
    {
        var definition = new WorkflowDefinition
        {
            Name = name,
            Version = "0.0.1",
            HomeRegion = Home,
            Steps = steps.Select(s => new StepDefinition { Name = s.Step, Needs = s.Needs, MemoryMb = memoryMb, Command = new[] { "caribou-benchmark", s.Step } }).ToArray(),
        };
        var profiles = steps.ToDictionary(s => s.Step, s => new StepProfile
        {
            WorkflowId = definition.WorkflowId,
            Step = s.Step,
            RuntimeSeconds = new Dictionary<string, IReadOnlyList<double>> { [Home] = Spread.Select(f => f * s.Seconds).ToArray() },
            OutputBytes = new[] { 0.8 * s.OutputBytes, s.OutputBytes, 1.2 * s.OutputBytes },
            RunProbability = 1,
            MemoryMb = memoryMb,
            Runs = Spread.Length,
            Source = "assumed: bench profile (no per-function runtimes in Caribou's repo)",
        });
        var assumptions = new[]
        {
            $"{name}: memory {memorySource}",
            $"{name}: runtimes assumed (s, median at home): " + string.Join(", ", steps.Select(s => $"{s.Step} {s.Seconds}")),
            $"{name}: output sizes assumed (bytes): " + string.Join(", ", steps.Select(s => $"{s.Step} {s.OutputBytes:G3}")),
        };
        return new Shape(name, definition, profiles, assumptions);
    }

    /// <summary>
    /// The definition as a row places it: <paramref name="allowed"/> as regions.allowed, <paramref name="disallowed"/>
    /// as regions.disallowed, and, when <paramref name="runtimePercent"/> is set, a hard runtime limit of that
    /// percent of the all-at-home plan's p95 (Caribou's hard_resource_constraints.runtime {type: relative}).
    /// </summary>
    public static WorkflowDefinition WithConstraints(WorkflowDefinition definition, IReadOnlyList<string> allowed, IReadOnlyList<string> disallowed, double? runtimePercent) => definition with
    {
        Regions = new RegionSpec { Allowed = allowed.ToArray(), Disallowed = disallowed.ToArray() },
        Constraints = new ConstraintSpec
        {
            Hard = runtimePercent is { } percent
                ? new Dictionary<string, Constraint> { ["runtime"] = new("relative", percent) }
                : new Dictionary<string, Constraint>(),
            Priority = new[] { "carbon", "runtime", "cost" },
        },
    };
}
