using System.IO;
using System.Linq;
using System.Management.Automation;

namespace Workflow.PowerShell.Tests;

public sealed class ModuleTests
{
    private static readonly string[] Cmdlets =
    {
        "New-Workflow", "Test-Workflow", "Publish-Workflow", "Get-Workflow", "Remove-Workflow",
        "Start-WorkflowRun", "Get-WorkflowRun", "Wait-WorkflowRun", "Stop-WorkflowRun", "Resume-WorkflowRun",
        "Receive-WorkflowRun", "Get-WorkflowLog", "Export-WorkflowGraph",
        "Start-WorkflowWorker", "Get-WorkflowDeadLetter", "Restore-WorkflowDeadLetter", "Sync-WorkflowLog",
    };

    [Fact]
    public void Staged_module_imports_in_a_fresh_runspace_and_exports_every_cmdlet()
    {
        using var session = new Session();
        var names = session.Run("(Get-Command -Module Workflow.PowerShell).Name").Select(o => o.ToString()).ToList();
        Assert.Equal(Cmdlets.OrderBy(n => n), names.OrderBy(n => n));
        // The native SQLite library is found from the staged folder: a store call works.
        Assert.Empty(session.Run("Get-Workflow"));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public void Dependencies_load_in_the_module_own_load_context_not_the_default_one()
    {
        using var session = new Session();
        var folder = session.Example("command-steps");
        var context = session.Run($@"
            $info = Publish-Workflow '{folder}'
            $alc = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($info.GetType().Assembly)
            $alc.GetType().Name
            @($alc.Assemblies | ForEach-Object {{ $_.GetName().Name }}) -contains 'YamlDotNet'
            @([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object {{ $_.GetName().Name -eq 'YamlDotNet' }}).Count").Select(o => o.ToString()).ToList();
        Assert.Empty(session.Errors);
        Assert.Equal(new[] { "ModuleLoadContext", "True", "0" }, context);
    }

    [Fact]
    public void Format_and_type_files_are_loaded_with_the_module()
    {
        using var session = new Session();
        var formats = session.Run("(Get-Module Workflow.PowerShell).ExportedFormatFiles").Select(o => Path.GetFileName(o.ToString())).ToList();
        Assert.Contains("Workflow.PowerShell.format.ps1xml", formats);
        var types = session.Run("(Get-Module Workflow.PowerShell).ExportedTypeFiles").Select(o => Path.GetFileName(o.ToString())).ToList();
        Assert.Contains("Workflow.PowerShell.types.ps1xml", types);
    }

    [Fact]
    public void Every_cmdlet_has_help_with_a_synopsis_described_parameters_and_an_example()
    {
        using var session = new Session();
        foreach (var cmdlet in Cmdlets)
        {
            var help = session.Run($"Get-Help {cmdlet} -Full").Single();
            var synopsis = help.Properties["Synopsis"].Value?.ToString() ?? "";
            Assert.False(string.IsNullOrWhiteSpace(synopsis) || synopsis.Contains(cmdlet + " "), $"{cmdlet} has no synopsis");
            var examples = session.Run($"@((Get-Help {cmdlet} -Examples).examples.example).Count").Single();
            Assert.True((int)examples.BaseObject >= 1, $"{cmdlet} has no example");
            var undescribed = session.Run($@"
                (Get-Help {cmdlet} -Full).parameters.parameter | Where-Object {{ -not $_.description }} | ForEach-Object name").Select(o => o.ToString()).ToList();
            Assert.True(undescribed.Count == 0, $"{cmdlet}: parameters without a description: {string.Join(", ", undescribed)}");
        }
    }

    [Fact]
    public void Workflow_ids_and_run_ids_complete_on_tab()
    {
        using var session = new Session();
        var folder = session.Example("command-steps");
        var run = session.Run($"Publish-Workflow '{folder}' | Start-WorkflowRun -Wait").Single();
        var runId = (string)run.Properties["RunId"].Value;

        var workflows = Complete(session, "Start-WorkflowRun -WorkflowId comm");
        Assert.Contains("command-steps-1.0.0", workflows);
        var runs = Complete(session, "Get-WorkflowLog -RunId " + runId.Substring(0, 4));
        Assert.Contains(runId, runs);
    }

    [Fact]
    public void Every_PowerShell_script_in_the_repository_parses()
    {
        // Pester is not installable here: at least prove the Pester tests, build.ps1, the examples
        // and the module's .psm1 are valid PowerShell.
        var scripts = Directory.EnumerateFiles(Repo.Root, "*.ps*1", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                && !f.Contains($"{Path.DirectorySeparatorChar}out{Path.DirectorySeparatorChar}") && (f.EndsWith(".ps1") || f.EndsWith(".psm1") || f.EndsWith(".psd1")))
            .ToList();
        Assert.Contains(scripts, f => f.EndsWith("Workflow.PowerShell.Tests.ps1"));
        foreach (var script in scripts)
        {
            System.Management.Automation.Language.Parser.ParseFile(script, out _, out var errors);
            Assert.True(errors.Length == 0, $"{script}: {string.Join("; ", errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"))}");
        }
    }

    private static string[] Complete(Session session, string input)
    {
        var results = session.Run("param($text) [System.Management.Automation.CommandCompletion]::CompleteInput($text, $text.Length, $null).CompletionMatches.CompletionText".Replace("param($text) ", ""),
            new System.Collections.Generic.Dictionary<string, object?> { ["text"] = input });
        return results.Select(r => r.ToString()).ToArray();
    }
}
