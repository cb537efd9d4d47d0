using System.Linq;
using Workflow.Bench.Placement;

// Placement bench: the product's solver against a port of Caribou's stochastic heuristic on Caribou's
// five benchmark shapes (DESIGN §7), on problems the product's collectors and builder make from the
// data bundled in Workflow.Core. Flags: --quick (fewer shapes and hours), --self-check (the port
// against hand-worked cases; exits 1 on a failure), --timing (Default's 24 plans of video_analytics over
// 12 regions, 5 runs), --seed N (the heuristic's seed).
var quick = args.Contains("--quick");
var seed = args.SkipWhile(a => a != "--seed").Skip(1).Select(int.Parse).DefaultIfEmpty(1).First();
if (args.Contains("--self-check")) return SelfCheck.Run();
if (args.Contains("--timing")) return Timing.Run();
return Comparison.Run(quick, seed);
