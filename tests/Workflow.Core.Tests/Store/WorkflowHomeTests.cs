using System;
using System.IO;
using Workflow.Store;

namespace Workflow.Tests.Store;

public sealed class WorkflowHomeTests
{
    private static readonly string Root = Path.GetTempPath();

    [Fact]
    public void WORKFLOW_HOME_wins_when_set()
    {
        var home = Path.Combine(Root, "my-home");

        Assert.Equal(home, WorkflowHome.Resolve(home, "/local/app", "/home/me"));
    }

    [Fact]
    public void Relative_WORKFLOW_HOME_resolves_against_the_current_directory()
    {
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "rel"), WorkflowHome.Resolve("rel", "/local/app", "/home/me"));
    }

    [Fact]
    public void Without_WORKFLOW_HOME_the_local_application_data_folder_is_used()
    {
        Assert.Equal(Path.Combine("/local/app", "Workflow.PowerShell"), WorkflowHome.Resolve(null, "/local/app", "/home/me"));
        Assert.Equal(Path.Combine("/local/app", "Workflow.PowerShell"), WorkflowHome.Resolve("  ", "/local/app", "/home/me"));
    }

    [Fact]
    public void Without_local_application_data_the_XDG_default_under_the_profile_is_used()
    {
        Assert.Equal(Path.Combine("/home/me", ".local", "share", "Workflow.PowerShell"), WorkflowHome.Resolve(null, "", "/home/me"));
    }

    [Fact]
    public void Resolve_reads_the_environment()
    {
        var variable = Environment.GetEnvironmentVariable(WorkflowHome.VariableName);
        var expected = string.IsNullOrWhiteSpace(variable)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "Workflow.PowerShell")
            : Path.GetFullPath(variable);

        Assert.Equal(expected, WorkflowHome.Resolve());
    }

    [Fact]
    public void Store_path_is_workflow_db_in_the_home_folder()
    {
        Assert.Equal(Path.Combine("/some/home", "workflow.db"), WorkflowHome.StorePath("/some/home"));
    }
}
