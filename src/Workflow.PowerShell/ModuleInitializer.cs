using System.Management.Automation;

namespace Workflow.PowerShell;

/// <summary>Runs when the module is imported and removed.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        NativeSqlite.Register();
        SessionLifetime.Watch();
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => ModuleState.CloseAll();
}
