using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace Workflow.PowerShell.Loader;

/// <summary>
/// The module's own AssemblyLoadContext. Assemblies the running .NET provides at the version asked
/// for (System.*, System.Management.Automation) come from the default context, so types are shared
/// with PowerShell; everything else the module ships (YamlDotNet, Microsoft.Data.Sqlite, SQLitePCLRaw,
/// Acornima, Workflow.*) loads here, whatever versions other modules in the session have loaded.
/// See PowerShell's "Resolving PowerShell module assembly dependency conflicts".
/// </summary>
public sealed class ModuleLoadContext : AssemblyLoadContext
{
    private static readonly object Gate = new();
    private static ModuleLoadContext? instance;
    private readonly string folder;
    private readonly Dictionary<string, string> platform;

    private ModuleLoadContext(string folder)
    {
        this.folder = folder;
        platform = PlatformAssemblies();
    }

    /// <summary>Loads Workflow.PowerShell.dll into the module's context (once per process) and returns it for Import-Module -Assembly.</summary>
    public static Assembly LoadModule(string folder)
    {
        lock (Gate)
        {
            instance ??= new ModuleLoadContext(Path.GetFullPath(folder));
            return instance.LoadFromAssemblyName(new AssemblyName("Workflow.PowerShell"));
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name ?? "";
        if (platform.TryGetValue(name, out var platformPath)
            && (assemblyName.Version == null || AssemblyName.GetAssemblyName(platformPath).Version >= assemblyName.Version))
        {
            return null; // the default context has it: share PowerShell's and .NET's own
        }
        var path = Path.Combine(folder, name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>The assemblies of the running .NET and host (the trusted platform assemblies) by name.</summary>
    private static Dictionary<string, string> PlatformAssemblies()
    {
        var assemblies = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (var path in list.Split(Path.PathSeparator))
        {
            if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                assemblies[Path.GetFileNameWithoutExtension(path)] = path;
            }
        }
        return assemblies;
    }
}
