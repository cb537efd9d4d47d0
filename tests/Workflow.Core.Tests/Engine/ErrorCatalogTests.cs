using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Workflow.Model;

namespace Workflow.Tests.Engine;

/// <summary>Every error id the module raises is in WorkflowErrors, once, with a kind; none is made up where it is raised.</summary>
public sealed class ErrorCatalogTests
{
    // Ids PowerShell itself gives, which the Pester tests also assert.
    private static readonly string[] PowerShellIds = { "ParameterArgumentValidationError", "MissingMandatoryParameter", "NamedParameterNotFound" };

    [Fact]
    public void Every_catalog_id_is_unique_has_a_named_kind_and_names_its_entry()
    {
        var fields = typeof(WorkflowErrors).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(ErrorId)).ToArray();
        Assert.NotEmpty(fields);
        Assert.Equal(fields.Length, WorkflowErrors.All.Count);

        var duplicates = WorkflowErrors.All.GroupBy(e => e.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.True(duplicates.Length == 0, "Ids in the catalog more than once: " + string.Join(", ", duplicates));

        foreach (var field in fields)
        {
            var entry = (ErrorId)field.GetValue(null)!;
            Assert.Matches("^[A-Z][A-Za-z]+$", entry.Id);
            Assert.Equal(field.Name, entry.Id);
            Assert.True(Enum.IsDefined(typeof(FailureKind), entry.Kind), $"{entry.Id} has kind {(int)entry.Kind}, which FailureKind does not name.");
            Assert.Same(entry, WorkflowErrors.Find(entry.Id));
        }
        Assert.Null(WorkflowErrors.Find("NoSuchError"));
    }

    [Fact]
    public void No_error_in_src_is_raised_with_an_id_written_in_place()
    {
        var literalId = new Regex(
            @"new\s*(?:[\w.]*(?:WorkflowException|StepFailedException|ExpressionException))\s*\(\s*""" +
            @"|new\s*\(\s*""[^""]*""\s*,\s*(?:Model\.)?FailureKind\." +
            @"|new\s+(?:[\w.]*\.)?ErrorRecord\s*\([^;""]*,\s*""",
            RegexOptions.CultureInvariant);
        var src = Path.Combine(RepositoryRoot(), "src");
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            if (IsBuildOutput(src, file)) continue;
            var text = File.ReadAllText(file);
            foreach (Match match in literalId.Matches(text))
            {
                var line = text.Take(match.Index).Count(c => c == '\n') + 1;
                found.Add($"{Path.GetRelativePath(src, file)}:{line}: {match.Value.Trim()}");
            }
        }
        Assert.NotEmpty(Directory.EnumerateFiles(src, "WorkflowErrors.cs", SearchOption.AllDirectories));
        Assert.True(found.Count == 0, "Errors raised with a string id instead of a WorkflowErrors entry:" + Environment.NewLine + string.Join(Environment.NewLine, found));
    }

    [Fact]
    public void Every_ErrorId_the_Pester_tests_assert_is_in_the_catalog()
    {
        // The ways the Pester tests name an id: FullyQualifiedErrorId compared, -ErrorId 'X,*',
        // ErrorId = 'X' in -ForEach cases, Assert-WorkflowError $record X Category, $diagnostic.ErrorId | Should -Be 'X'.
        var patterns = new[]
        {
            @"FullyQualifiedErrorId(?:\.Split\(','\)\[0\])?\s*\|\s*Should\s+-Be(?:Like)?\s+['""](?<id>[A-Za-z]+)",
            @"-ErrorId\s+['""](?<id>[A-Za-z]+)",
            @"\bErrorId\s*=\s*['""](?<id>[A-Za-z]+)['""]",
            @"Assert-WorkflowError\s+\$\S+\s+(?<id>[A-Za-z]+)",
            @"\.ErrorId\s*\|\s*Should\s+-Be\s+['""](?<id>[A-Za-z]+)['""]",
        }.Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToArray();
        var pester = Path.Combine(RepositoryRoot(), "tests", "pester");
        var asserted = new SortedSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var file in Directory.EnumerateFiles(pester, "*.ps1"))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (var pattern in patterns)
                {
                    foreach (Match match in pattern.Matches(lines[i]))
                    {
                        var id = match.Groups["id"].Value;
                        asserted.Add(id);
                        if (WorkflowErrors.Find(id) == null && !PowerShellIds.Contains(id)) unknown.Add($"{Path.GetFileName(file)}:{i + 1}: {id}");
                    }
                }
            }
        }
        // The patterns must keep finding the tests' assertions, or this test proves nothing.
        Assert.Contains("WorkflowRunNotFound", asserted);
        Assert.Contains("StepCycle", asserted);
        Assert.Contains("AwsRegionUnknown", asserted);
        Assert.True(asserted.Count >= 20, $"Only {asserted.Count} ids found in the Pester tests: {string.Join(", ", asserted)}");
        Assert.True(unknown.Count == 0, "Ids the Pester tests assert that WorkflowErrors does not have:" + Environment.NewLine + string.Join(Environment.NewLine, unknown));
    }

    private static bool IsBuildOutput(string src, string file)
    {
        var parts = Path.GetRelativePath(src, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return parts.Contains("bin") || parts.Contains("obj");
    }

    /// <summary>The folder holding Workflow.PowerShell.sln, found by walking up from the test assembly.</summary>
    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder != null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Workflow.PowerShell.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Workflow.PowerShell.sln.");
    }
}
