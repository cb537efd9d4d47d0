using System;
using System.Reflection;
using System.Threading;

namespace Workflow.PowerShell;

/// <summary>
/// SIGTERM as a request to stop, for Start-WorkflowWorker: `docker stop`, Kubernetes and systemd
/// send it, and by default .NET ends the process at once (exit code 143) with the worker's tasks
/// still leased. Registered, the first SIGTERM calls <c>onSignal</c> and the process goes on to
/// end by itself; a second one ends it as before. PosixSignalRegistration is .NET 6+ and the module
/// targets netstandard2.0, so it is reached by reflection; where it is missing (Windows PowerShell
/// 5.1 on .NET Framework) nothing is registered and the default stays.
/// </summary>
internal sealed class TerminationSignal : IDisposable
{
    private static readonly Type? Registration = InteropType("PosixSignalRegistration");
    private static readonly Type? Signal = InteropType("PosixSignal");
    private static readonly Type? Context = InteropType("PosixSignalContext");

    private readonly Action onSignal;
    private readonly IDisposable? registration;
    private int received;

    private TerminationSignal(Action onSignal)
    {
        this.onSignal = onSignal;
        if (Registration == null || Signal == null || Context == null) return;
        var create = Registration.GetMethod("Create", BindingFlags.Public | BindingFlags.Static);
        var cancel = Context.GetProperty("Cancel");
        if (create == null || cancel == null) return;
        // The handler is an Action<PosixSignalContext>; a method taking object binds to it (contravariance).
        var handler = Delegate.CreateDelegate(typeof(Action<>).MakeGenericType(Context), new Handler(this, cancel), typeof(Handler).GetMethod(nameof(Handler.Invoke))!);
        registration = (IDisposable?)create.Invoke(null, new object[] { Enum.Parse(Signal, "SIGTERM"), handler });
    }

    /// <summary>Whether a SIGTERM has come since <see cref="Register"/>.</summary>
    public bool Received => Volatile.Read(ref received) > 0;

    /// <summary>Calls <paramref name="onSignal"/> on the first SIGTERM until disposed.</summary>
    public static TerminationSignal Register(Action onSignal) => new(onSignal);

    public void Dispose() => registration?.Dispose();

    private static Type? InteropType(string name) =>
        Type.GetType($"System.Runtime.InteropServices.{name}, System.Runtime.InteropServices", throwOnError: false)
        ?? typeof(object).Assembly.GetType($"System.Runtime.InteropServices.{name}", throwOnError: false);

    /// <summary>What the runtime calls on its signal thread: keep the process (once) and ask the worker to stop.</summary>
    private sealed class Handler(TerminationSignal owner, PropertyInfo cancel)
    {
        public void Invoke(object context)
        {
            if (Interlocked.Increment(ref owner.received) > 1) return; // the second SIGTERM: the default, exit now
            cancel.SetValue(context, true);
            owner.onSignal();
        }
    }
}
