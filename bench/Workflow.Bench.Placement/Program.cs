using System;
using System.IO;
using System.Linq;
using Workflow.Bench.Placement;

// Placement bench: the product's solver against a port of Caribou's stochastic heuristic on Caribou's
// five benchmark shapes (DESIGN §7). Flags: --quick (fewer shapes and hours), --self-check (the port
// against hand-worked cases; exits 1 on a failure), --seed N (the heuristic's seed), --data <folder>.
var quick = args.Contains("--quick");
var seed = args.SkipWhile(a => a != "--seed").Skip(1).Select(int.Parse).DefaultIfEmpty(1).First();
var dataFolder = args.SkipWhile(a => a != "--data").Skip(1).DefaultIfEmpty(DefaultDataFolder()).First();
if (args.Contains("--self-check")) return SelfCheck.Run(dataFolder);
return Comparison.Run(dataFolder, quick, seed);

// The bundled data sits beside the repository (DESIGN §7: ../shared/data/carbon).
static string DefaultDataFolder()
{
    var folder = new DirectoryInfo(AppContext.BaseDirectory);
    while (folder != null && !File.Exists(Path.Combine(folder.FullName, "Workflow.PowerShell.sln"))) folder = folder.Parent;
    if (folder?.Parent == null) throw new DirectoryNotFoundException("No Workflow.PowerShell.sln above the bench; pass --data <folder with regions.csv>.");
    return Path.Combine(folder.Parent.FullName, "shared", "data", "carbon");
}
