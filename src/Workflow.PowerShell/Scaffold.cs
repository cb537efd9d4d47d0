using System.IO;

namespace Workflow.PowerShell;

/// <summary>The files New-Workflow writes: a two-step workflow that runs as it is.</summary>
internal static class Scaffold
{
    public static void Write(string folder, string name)
    {
        Directory.CreateDirectory(Path.Combine(folder, "steps"));
        File.WriteAllText(Path.Combine(folder, "workflow.yml"), $@"name: {name}
version: 1.0.0
description: A new workflow
home_region: local
defaults:
  timeout: 5m
  retry: {{ max_attempts: 2, interval: 1s }}
steps:
  - name: greet
    run: steps/greet.ps1
  - name: shout
    needs: [greet]
    foreach: steps.greet.output.names
    run: steps/shout.ps1
");
        File.WriteAllText(Path.Combine(folder, "steps", "greet.ps1"), @"param($Context)
# $Context.input is the run's -Argument; what the script writes to the pipeline is the step's output.
$who = if ($Context.input.who) { $Context.input.who } else { 'world' }
Write-Verbose ""Greeting $who""
@{ message = ""Hello, $who""; names = @($who, 'PowerShell') }
");
        File.WriteAllText(Path.Combine(folder, "steps", "shout.ps1"), @"param($Context)
# A foreach step runs once per item; $Context.item is this attempt's item.
$Context.item.ToUpperInvariant()
");
        File.WriteAllText(Path.Combine(folder, "README.md"), $@"# {name}

Check, publish and run it:

```powershell
Test-Workflow ./{name}
Publish-Workflow ./{name} | Start-WorkflowRun -Argument @{{ who = 'admin' }} -Wait | Receive-WorkflowRun
```
");
    }
}
