using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Workflow.Tests.Engine;

/// <summary>
/// The cmdlets are thin: each makes its Core call and neither reads nor writes the run store nor
/// decides where a run goes (local or a region). Read from the sources, so a shortcut fails here.
/// </summary>
public sealed class LayeringTests
{
    // The store, the owner test that tells a region's run from a session's, and the AWS types the
    // region port hides: each is Core's to use, not a cmdlet's.
    private static readonly Regex Forbidden = new(@"\.Store\b|\bRunOwner\b|\bIsRemote\b|\bWorkflow\.Aws\b|\bAwsRegion\b|\bAwsConnection\b|\bSqliteRunStore\b|\bRemoteRunCoordinator\b", RegexOptions.CultureInvariant);

    [Fact]
    public void Cmdlets_neither_touch_the_store_nor_route_runs()
    {
        var commands = Path.Combine(ErrorCatalogTests.RepositoryRoot(), "src", "Workflow.PowerShell", "Commands");
        var files = Directory.EnumerateFiles(commands, "*.cs").ToList();
        Assert.True(files.Count >= 15, $"Expected the cmdlet sources under {commands}.");

        var offending = files
            .SelectMany(file => File.ReadAllLines(file).Select((line, i) => (file, line, number: i + 1)))
            .Where(l => !l.line.TrimStart().StartsWith("//", System.StringComparison.Ordinal) && Forbidden.IsMatch(l.line))
            .Select(l => $"{Path.GetFileName(l.file)}:{l.number}: {l.line.Trim()}")
            .ToList();

        Assert.True(offending.Count == 0, "Cmdlets reach past Core:\n" + string.Join("\n", offending));
    }
}
