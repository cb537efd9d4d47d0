using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Workflow.Engine;
using Workflow.Executors;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>Errors and logs name the user's files (steps/split.ps1), not the published copy the step ran from.</summary>
public sealed class PackagePathsTests : System.IDisposable
{
    private static readonly string Package = Path.Combine(Path.GetTempPath(), "home", "blobs", "packages", "flow-1.0.0", "0123456789abcdef");
    private readonly EngineHome home = new();

    public void Dispose() => home.Dispose();

    [Fact]
    public void Path_inside_the_package_is_written_relative_to_it()
    {
        var paths = new PackagePaths(Package);

        Assert.Equal(Path.Combine("steps", "split.ps1"), paths.ToUserPath(Path.Combine(Package, "steps", "split.ps1")));
        Assert.Equal("/etc/hosts", paths.ToUserPath("/etc/hosts"));
        Assert.Equal(Package + "-other", paths.ToUserPath(Package + "-other"));
    }

    [Fact]
    public void Text_naming_package_paths_names_them_as_the_user_wrote_them()
    {
        var paths = new PackagePaths(Package);

        var text = paths.ToUserPaths($"At {Package}/steps/split.ps1:3 char:5, working directory '{Package}'");

        Assert.Equal("At steps/split.ps1:3 char:5, working directory '.'", text);
    }

    [Fact]
    public async Task Step_error_and_log_name_the_script_relative_to_the_workflow_folder()
    {
        var executor = new ScriptedExecutor().On("split", (invocation, _) =>
            throw new StepFailedException(WorkflowErrors.StepScriptFailed, $"Cannot read {Path.Combine(invocation.PackageDirectory, "steps", "data.csv")}"));
        var engine = home.Open(executor);

        var run = await home.RunAsync(engine, """
            name: flow
            version: 1.0.0
            steps:
              - name: split
                run: steps/split.ps1
            """);

        var expected = $"Cannot read {Path.Combine("steps", "data.csv")}";
        Assert.Equal(expected, run.Step("split").Error);
        Assert.Equal($"Step 'split' failed: {expected}", run.Error);
        var log = engine.GetLogs(run.RunId).Single(l => l.Stream == "Error");
        Assert.Equal($"Attempt 1 failed: {expected}", log.Message);
        Assert.DoesNotContain(home.Home, log.Message);
    }
}
