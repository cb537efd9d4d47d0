using System.Linq;
using Workflow.Format;
using Workflow.Model;

namespace Workflow.Tests.Format;

/// <summary>Container steps in workflow.yml: image references by Docker's grammar, the container settings, and where they are allowed.</summary>
public sealed class ContainerDiagnosticTests
{
    private const string Header = "name: demo\nversion: 1.0.0\nsteps:\n  - name: a\n";
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static WorkflowLoadResult Parse(string stepLines, string? projectDirectory = null) =>
        WorkflowReader.Parse(Header + stepLines, "workflow.yml", projectDirectory);

    private static WorkflowDiagnostic Only(string stepLines) => Assert.Single(Parse(stepLines).Diagnostics);

    private static void AssertAt(WorkflowDiagnostic diagnostic, string errorId, int line, int column)
    {
        Assert.Equal(errorId, diagnostic.ErrorId);
        Assert.Equal("workflow.yml", diagnostic.File);
        Assert.Equal((line, column), (diagnostic.Line, diagnostic.Column));
    }

    [Theory]
    [InlineData("busybox")]
    [InlineData("busybox:1")]
    [InlineData("library/busybox:1.36.1-musl")]
    [InlineData("workflow-test/busybox:1")]
    [InlineData("127.0.0.1:5000/busybox:1")]
    [InlineData("localhost:5000/team/tools/report")]
    [InlineData("Registry.Example.com/owner-name/app_x__y.z:v2")]
    [InlineData("registry.example.com/a/b@" + Digest)]
    [InlineData("busybox:1@" + Digest)]
    [InlineData("[::1]:5000/busybox:1")]
    public void Image_reference_in_Dockers_grammar_is_accepted(string image)
    {
        var result = Parse($"    image: '{image}'\n");

        Assert.Empty(result.Diagnostics);
        Assert.Equal(image, result.Definition!.Steps[0].Image);
        Assert.Equal(StepKind.Container, result.Definition.Steps[0].Kind);
    }

    [Theory]
    [InlineData("Busybox:1", "lowercase")]
    [InlineData("team/BusyBox", "lowercase")]
    [InlineData("busybox:-1", "tag")]
    [InlineData("busybox:1:2", "part of the name")]
    [InlineData("busybox@sha256:abc", "digest")]
    [InlineData("busybox@md5:0123456789abcdef0123456789abcdef", "digest")]
    [InlineData("busy box", "part of the name")]
    [InlineData("busybox_:1", "part of the name")]
    [InlineData("-busybox", "part of the name")]
    [InlineData("//busybox", "part of the name")]
    [InlineData("''", "empty")]
    public void Image_reference_Docker_would_refuse_is_BadImageReference_at_the_value(string image, string reason)
    {
        var diagnostic = Only($"    image: {(image == "''" ? image : "'" + image + "'")}\n");

        AssertAt(diagnostic, WorkflowErrors.BadImageReference.Id, 5, 12);
        Assert.Contains(reason, diagnostic.Message);
        Assert.Contains("step 'a'", diagnostic.Message);
    }

    [Fact]
    public void Tag_longer_than_128_characters_is_BadImageReference()
    {
        var diagnostic = Only($"    image: busybox:{new string('t', 129)}\n");

        AssertAt(diagnostic, WorkflowErrors.BadImageReference.Id, 5, 12);
        Assert.Contains("128", diagnostic.Message);
    }

    [Fact]
    public void Container_settings_are_read_into_the_step()
    {
        var result = Parse("""
                image: busybox:1
                command: [sh, -c]
                args: ['echo {}']
                working_dir: /work
                cpus: 0.5
                memory_mb: 6
                pids_limit: 64
                network: host
                pull: never
                pwsh: host

            """);

        Assert.Empty(result.Diagnostics);
        var step = result.Definition!.Steps[0];
        Assert.Equal(new[] { "sh", "-c" }, step.Command);
        Assert.Equal(new[] { "echo {}" }, step.Container.Args);
        Assert.Equal("/work", step.Container.WorkingDir);
        Assert.Equal(0.5, step.Container.Cpus);
        Assert.Equal(6, step.MemoryMb);
        Assert.Equal(64, step.Container.PidsLimit);
        Assert.Equal("host", step.Container.Network);
        Assert.Equal(PullPolicy.Never, step.Container.Pull);
        Assert.Equal(ContainerPwsh.Host, step.Container.Pwsh);
    }

    [Fact]
    public void Container_defaults_are_no_network_IfNotPresent_auto_pwsh_and_a_pids_limit()
    {
        var step = Parse("    image: busybox:1\n").Definition!.Steps[0];

        Assert.Equal("none", step.Container.Network);
        Assert.Equal(PullPolicy.IfNotPresent, step.Container.Pull);
        Assert.Equal(ContainerPwsh.Auto, step.Container.Pwsh);
        Assert.Equal(ContainerSettings.DefaultPidsLimit, step.Container.PidsLimit);
        Assert.Null(step.Container.Cpus);
        Assert.Empty(step.Container.Args);
        Assert.Equal(512, step.MemoryMb);
    }

    [Theory]
    [InlineData("cpus: 0", 11)]
    [InlineData("cpus: -1", 11)]
    [InlineData("cpus: 0.001", 11)]
    [InlineData("cpus: many", 11)]
    [InlineData("pids_limit: 0", 17)]
    [InlineData("pids_limit: -5", 17)]
    [InlineData("pids_limit: 1.5", 17)]
    [InlineData("pull: sometimes", 11)]
    [InlineData("pwsh: maybe", 11)]
    [InlineData("network: 'container:db'", 14)]
    [InlineData("network: '-x'", 14)]
    [InlineData("working_dir: work", 18)]
    public void Container_setting_out_of_range_is_BadContainerSetting_at_the_value(string line, int column)
    {
        var diagnostic = Only($"    image: busybox:1\n    {line}\n");

        AssertAt(diagnostic, WorkflowErrors.BadContainerSetting.Id, 6, column);
        Assert.Contains(line.Split(':')[0], diagnostic.Message);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("0")]
    public void Container_memory_under_Dockers_6_MB_is_BadMemory(string memory)
    {
        var diagnostic = Only($"    image: busybox:1\n    memory_mb: {memory}\n");

        AssertAt(diagnostic, WorkflowErrors.BadMemory.Id, 6, 16);
        Assert.Contains("from 6", diagnostic.Message);
    }

    [Fact]
    public void Memory_under_128_MB_without_an_image_is_still_BadMemory()
    {
        AssertAt(Only("    command: [echo]\n    memory_mb: 64\n"), WorkflowErrors.BadMemory.Id, 6, 16);
    }

    [Theory]
    [InlineData("args: [x]")]
    [InlineData("cpus: 1")]
    [InlineData("pids_limit: 10")]
    [InlineData("network: host")]
    [InlineData("pull: Always")]
    [InlineData("pwsh: image")]
    [InlineData("working_dir: /w")]
    public void Container_setting_without_an_image_is_StepContainerKeyWithoutImage_at_the_key(string line)
    {
        var diagnostic = Only($"    command: [echo]\n    {line}\n");

        AssertAt(diagnostic, WorkflowErrors.StepContainerKeyWithoutImage.Id, 6, 5);
        Assert.Contains("image", diagnostic.Message);
    }

    [Fact]
    public void Run_with_image_is_one_container_action()
    {
        using var folder = new TempWorkflowFolder();
        folder.Write("project/steps/a.ps1", "param($Context) 1");

        var result = Parse("    image: workflow/base:bookworm\n    run: steps/a.ps1\n", System.IO.Path.Combine(folder.Path, "project"));

        Assert.Empty(result.Diagnostics);
        var step = result.Definition!.Steps[0];
        Assert.Equal(StepKind.Container, step.Kind);
        Assert.Equal("steps/a.ps1", step.Run);
    }

    [Fact]
    public void Run_with_image_still_needs_its_script_in_the_folder()
    {
        using var folder = new TempWorkflowFolder();
        folder.Write("project/workflow.yml", "");

        var diagnostic = Assert.Single(Parse("    image: busybox:1\n    run: steps/missing.ps1\n", System.IO.Path.Combine(folder.Path, "project")).Diagnostics);

        AssertAt(diagnostic, WorkflowErrors.StepScriptMissing.Id, 6, 10);
    }

    [Fact]
    public void Run_and_command_with_image_is_StepSeveralActions_at_the_second()
    {
        var diagnostic = Only("    image: busybox:1\n    run: a.ps1\n    command: [echo]\n");

        AssertAt(diagnostic, WorkflowErrors.StepSeveralActions.Id, 7, 5);
        Assert.Contains("run", diagnostic.Message);
        Assert.Contains("command", diagnostic.Message);
    }

    [Fact]
    public void Args_with_a_run_script_is_BadContainerSetting()
    {
        var result = Parse("    image: busybox:1\n    run: a.ps1\n    args: [x]\n");

        AssertAt(Assert.Single(result.Diagnostics), WorkflowErrors.BadContainerSetting.Id, 7, 5);
    }

    [Fact]
    public void Several_container_mistakes_are_each_reported_with_their_lines()
    {
        var result = Parse("    image: 'Bad:Ref'\n    cpus: 0\n    pull: soon\n");

        Assert.Equal(
            new[] { (WorkflowErrors.BadImageReference.Id, 5), (WorkflowErrors.BadContainerSetting.Id, 6), (WorkflowErrors.BadContainerSetting.Id, 7) },
            result.Diagnostics.Select(d => (d.ErrorId, d.Line)).ToArray());
    }
}
