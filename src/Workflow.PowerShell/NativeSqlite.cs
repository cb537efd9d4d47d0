using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Workflow.PowerShell;

/// <summary>
/// Points SQLite's provider at the native library staged under lib/runtimes/&lt;rid&gt;/native: PowerShell's
/// module loader does not probe there. On .NET (PowerShell 7) through NativeLibrary's resolver,
/// reached by reflection because this assembly targets netstandard2.0; on Windows PowerShell by
/// loading the DLL by full path first, which DllImport then reuses.
/// </summary>
internal static class NativeSqlite
{
    private const string Library = "e_sqlite3";
    private static bool registered;

    public static void Register()
    {
        if (registered) return;
        registered = true;
        var path = StagedPath();
        if (path == null || !File.Exists(path)) return;

        var nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary");
        var resolverType = Type.GetType("System.Runtime.InteropServices.DllImportResolver");
        if (nativeLibrary != null && resolverType != null)
        {
            var provider = Assembly.Load(new AssemblyName("SQLitePCLRaw.provider.e_sqlite3"));
            var resolver = Delegate.CreateDelegate(resolverType, typeof(NativeSqlite).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static)!);
            try
            {
                nativeLibrary.GetMethod("SetDllImportResolver")!.Invoke(null, new object[] { provider, resolver });
            }
            catch (TargetInvocationException e) when (e.InnerException is InvalidOperationException)
            {
                // Already set by an earlier import of the module in this process.
            }
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            LoadLibrary(path);
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != Library) return IntPtr.Zero;
        var load = Type.GetType("System.Runtime.InteropServices.NativeLibrary")!.GetMethod("Load", new[] { typeof(string) })!;
        return (IntPtr)load.Invoke(null, new object[] { StagedPath()! })!;
    }

    private static string? StagedPath()
    {
        var folder = Path.GetDirectoryName(typeof(NativeSqlite).Assembly.Location)!;
        string os, file;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) { os = "win"; file = Library + ".dll"; }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) { os = "osx"; file = "lib" + Library + ".dylib"; }
        else { os = File.Exists("/etc/alpine-release") ? "linux-musl" : "linux"; file = "lib" + Library + ".so"; }
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            _ => null,
        };
        return arch == null ? null : Path.Combine(folder, "lib", "runtimes", $"{os}-{arch}", "native", file);
    }

    [DllImport("kernel32", SetLastError = true, CharSet = CharSet.Unicode)]
    private static extern IntPtr LoadLibrary(string path);
}
