using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Workflow.PowerShell.Loader;

/// <summary>
/// The module's own AssemblyLoadContext, for the engine (Workflow.Core, Workflow.Aws) and the
/// third-party assemblies it ships in the module's lib/ folder (YamlDotNet, Microsoft.Data.Sqlite,
/// SQLitePCLRaw, Acornima, AWSSDK.*): they load here, whatever versions other modules in the
/// session have loaded. The cmdlets and the types users see (Workflow.PowerShell.dll,
/// Workflow.Model.dll, beside the manifest) stay in the default context, so type literals such as
/// [Workflow.Model.WorkflowRun] resolve. See PowerShell's "Resolving PowerShell module assembly
/// dependency conflicts"; PSToml and Yayaml load the same way.
/// </summary>
public sealed class ModuleLoadContext : AssemblyLoadContext
{
    private static readonly object Gate = new();
    private static ModuleLoadContext? instance;
    private static readonly ConditionalWeakTable<object, object> Runspaces = new();
    private readonly string root;
    private readonly string lib;
    private readonly Dictionary<string, string> platform;

    private ModuleLoadContext(string root)
    {
        this.root = root;
        lib = Path.Combine(root, "lib");
        platform = PlatformAssemblies();
    }

    /// <summary>
    /// Once per process: loads the module's shared assemblies into the default context and lets
    /// the default context find the engine's assemblies here. Returns the cmdlet assembly for
    /// Import-Module -Assembly; a second import (-Force) gets the same one.
    /// </summary>
    public static Assembly LoadModule(string folder)
    {
        lock (Gate)
        {
            if (instance == null)
            {
                var context = new ModuleLoadContext(Path.GetFullPath(folder));
                Default.Resolving += context.ResolveForDefault;
                instance = context;
            }
            return Default.LoadFromAssemblyPath(Path.Combine(instance.root, "Workflow.PowerShell.dll"));
        }
    }

    /// <summary>
    /// True when the module was imported before in <paramref name="runspace"/> (Import-Module -Force,
    /// or after Remove-Module): only then does PowerShell reuse its cached module without handing its
    /// cmdlets to the new import (PowerShell/PowerShell#20710), so only then must the .psm1 add them.
    /// </summary>
    public static bool ImportedBefore(object runspace)
    {
        lock (Gate)
        {
            if (Runspaces.TryGetValue(runspace, out _)) return true;
            Runspaces.Add(runspace, runspace);
            return false;
        }
    }

    /// <summary>
    /// What the cmdlets ask for that the default context cannot find: the model beside them loads
    /// there; the engine and its dependencies in lib/ load here.
    /// </summary>
    private Assembly? ResolveForDefault(AssemblyLoadContext context, AssemblyName name)
    {
        var shared = Path.Combine(root, name.Name + ".dll");
        if (File.Exists(shared)) return context.LoadFromAssemblyPath(shared);
        return File.Exists(Path.Combine(lib, name.Name + ".dll")) ? LoadFromAssemblyName(name) : null;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name ?? "";
        var shared = Path.Combine(root, name + ".dll");
        if (File.Exists(shared)) return Default.LoadFromAssemblyPath(shared); // the model types: one copy, the user's
        if (platform.TryGetValue(name, out var platformPath)
            && (assemblyName.Version == null || AssemblyName.GetAssemblyName(platformPath).Version >= assemblyName.Version))
        {
            return null; // the default context has it: share PowerShell's and .NET's own
        }
        var path = Path.Combine(lib, name + ".dll");
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
