using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Workflow.Aws.Lambda;
using Workflow.Model;

namespace Workflow.Aws.Tests;

/// <summary>What the worker function is made of: its name, memory, timeout and package.</summary>
public sealed class LambdaWorkersTests
{
    [Fact]
    public void Function_names_are_valid_Lambda_names_of_at_most_64_characters_and_unique_per_workflow()
    {
        Assert.Equal("workflow-fan-1_0_0-us-east-1", LambdaWorkers.FunctionName("fan-1.0.0", "us-east-1"));
        var longA = new string('a', 40) + "-10.20.30-beta";
        var longB = new string('a', 40) + "-10.20.31-beta";
        var a = LambdaWorkers.FunctionName(longA, "ap-southeast-2");
        var b = LambdaWorkers.FunctionName(longB, "ap-southeast-2");

        Assert.True(a.Length <= 64, a);
        Assert.Matches("^[A-Za-z0-9_-]+$", a);
        Assert.EndsWith("-ap-southeast-2", a);
        Assert.NotEqual(a, b);
        Assert.Equal(a, LambdaWorkers.FunctionName(longA, "ap-southeast-2"));
    }

    [Fact]
    public void Memory_is_the_largest_step_memory_and_the_timeout_the_longest_step_plus_headroom_capped_at_900_s()
    {
        var definition = new WorkflowDefinition
        {
            Steps = new[]
            {
                new StepDefinition { Name = "a", MemoryMb = 1024, Timeout = TimeSpan.FromMinutes(2) },
                new StepDefinition { Name = "b", MemoryMb = 3008, Timeout = TimeSpan.FromMinutes(4) },
            },
        };
        var slow = definition with { Steps = new[] { new StepDefinition { Name = "c", Timeout = TimeSpan.FromMinutes(20) } } };

        Assert.Equal(3008, LambdaWorkers.MemorySize(definition));
        Assert.Equal(300, LambdaWorkers.TimeoutSeconds(definition, out var capped));
        Assert.False(capped);
        Assert.Equal(900, LambdaWorkers.TimeoutSeconds(slow, out capped));
        Assert.True(capped);
    }

    [Fact]
    public void The_package_has_an_executable_bootstrap_at_its_root_and_the_module_beside_it_and_is_the_same_zip_each_time()
    {
        var module = Path.Combine(Path.GetTempPath(), "wf-lambda-package-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(Path.Combine(module, "lambda"));
        Directory.CreateDirectory(Path.Combine(module, "lib"));
        File.WriteAllText(Path.Combine(module, "Workflow.PowerShell.psd1"), "@{}");
        File.WriteAllText(Path.Combine(module, "lambda", "bootstrap"), "#!/bin/bash\n");
        File.WriteAllText(Path.Combine(module, "lib", "x.dll"), "x");
        try
        {
            var first = LambdaPackage.Build(module);
            var second = LambdaPackage.Build(module);
            using var zip = new ZipArchive(new MemoryStream(first));
            var names = zip.Entries.Select(e => e.FullName).ToList();

            Assert.Equal(first, second);
            Assert.Equal(new[] { "bootstrap", "Workflow.PowerShell/Workflow.PowerShell.psd1", "Workflow.PowerShell/lambda/bootstrap", "Workflow.PowerShell/lib/x.dll" }, names);
            Assert.Equal(0x81ED, (zip.GetEntry("bootstrap")!.ExternalAttributes >> 16) & 0xFFFF); // regular file, 0755
            Assert.Equal(0x81A4, (zip.GetEntry("Workflow.PowerShell/lib/x.dll")!.ExternalAttributes >> 16) & 0xFFFF); // 0644
        }
        finally
        {
            Directory.Delete(module, true);
        }
    }

    [Fact]
    public void A_module_folder_without_the_bootstrap_is_LambdaPackageInvalid()
    {
        var error = Assert.Throws<WorkflowException>(() => LambdaPackage.Build(Path.GetTempPath()));
        Assert.Equal(WorkflowErrors.LambdaPackageInvalid.Id, error.ErrorId);
        Assert.Contains("lambda/bootstrap", error.Message);
    }
}
