using System;
using System.Globalization;
using Workflow.Model;

namespace Workflow.Format;

/// <summary>Reads the settings a step shares with <c>defaults</c>: <c>timeout</c>, <c>retry</c> and <c>memory_mb</c>.</summary>
internal sealed class StepSettingsReader
{
    public const int MinMemoryMb = 128;
    public const int MaxMemoryMb = 10240;
    public const int MaxAttempts = 100;

    public static readonly string[] RetryKeys = { "max_attempts", "interval", "backoff_rate", "max_interval" };

    private readonly DiagnosticList diagnostics;

    public StepSettingsReader(DiagnosticList diagnostics) => this.diagnostics = diagnostics;

    /// <summary>The <c>timeout</c> of the section, or <paramref name="fallback"/> when absent or not valid.</summary>
    public TimeSpan Timeout(YamlSection section, TimeSpan fallback) => ReadDuration(section, "timeout") ?? fallback;

    /// <summary>The <c>memory_mb</c> of the section, or <paramref name="fallback"/> when absent or not valid.</summary>
    public int Memory(YamlSection section, int fallback, int minimum = MinMemoryMb)
    {
        var node = section.Scalar("memory_mb");
        if (node == null)
        {
            return fallback;
        }
        if (int.TryParse(node.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var memory)
            && memory >= minimum && memory <= MaxMemoryMb)
        {
            return memory;
        }
        diagnostics.Error(WorkflowErrors.BadMemory, node,
            $"'memory_mb' in {section.Where} is '{node.Value}'. Use a whole number of megabytes from {minimum} to {MaxMemoryMb}.");
        return fallback;
    }

    /// <summary>The <c>retry</c> of the section; fields it does not set come from <paramref name="fallback"/>.</summary>
    public RetryPolicy Retry(YamlSection section, RetryPolicy fallback)
    {
        var retry = section.Section("retry", $"the retry of {section.Where}", RetryKeys);
        if (retry == null)
        {
            return fallback;
        }

        var policy = fallback;
        var attempts = retry.Scalar("max_attempts");
        if (attempts != null)
        {
            if (int.TryParse(attempts.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1 && count <= MaxAttempts)
            {
                policy = policy with { MaxAttempts = count };
            }
            else
            {
                diagnostics.Error(WorkflowErrors.BadRetry, attempts,
                    $"'max_attempts' in {retry.Where} is '{attempts.Value}'. Use a whole number from 1 (no retry) to {MaxAttempts}.");
            }
        }

        var rate = retry.Scalar("backoff_rate");
        if (rate != null)
        {
            if (double.TryParse(rate.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor)
                && factor >= 1 && !double.IsInfinity(factor))
            {
                policy = policy with { BackoffRate = factor };
            }
            else
            {
                diagnostics.Error(WorkflowErrors.BadRetry, rate,
                    $"'backoff_rate' in {retry.Where} is '{rate.Value}'. Use a number of 1 or more (1 waits the same interval each time).");
            }
        }

        if (ReadDuration(retry, "interval") is { } interval)
        {
            policy = policy with { Interval = interval };
        }
        if (ReadDuration(retry, "max_interval") is { } maxInterval)
        {
            policy = policy with { MaxInterval = maxInterval };
        }
        // Checked on the merged policy, so a step's interval is held against an inherited max_interval too.
        var intervalNode = retry.Value("max_interval") ?? retry.Value("interval");
        if (intervalNode != null && policy.MaxInterval < policy.Interval)
        {
            diagnostics.Error(WorkflowErrors.BadRetry, intervalNode,
                $"In {retry.Where}, max_interval ({Duration.Format(policy.MaxInterval)}) is shorter than interval ({Duration.Format(policy.Interval)}). Raise max_interval or lower interval.");
        }
        return policy;
    }

    /// <summary>A positive duration under <paramref name="key"/>; null when absent or not valid (reported).</summary>
    private TimeSpan? ReadDuration(YamlSection section, string key)
    {
        var node = section.Scalar(key);
        if (node == null)
        {
            return null;
        }
        if (!Duration.TryParse(node.Value, out var value))
        {
            diagnostics.Error(WorkflowErrors.BadDuration, node,
                $"'{key}' in {section.Where} is '{node.Value}', which is not a duration. Use {Duration.AcceptedForms}.");
            return null;
        }
        if (value <= TimeSpan.Zero)
        {
            diagnostics.Error(WorkflowErrors.BadDuration, node, $"'{key}' in {section.Where} must be longer than zero.");
            return null;
        }
        return value;
    }

    /// <summary>Reads <c>defaults</c>; absent fields keep the built-in defaults.</summary>
    public StepDefaults Defaults(YamlSection? defaults)
    {
        var builtIn = new StepDefaults();
        if (defaults == null)
        {
            return builtIn;
        }
        return new StepDefaults
        {
            Timeout = Timeout(defaults, builtIn.Timeout),
            Retry = Retry(defaults, builtIn.Retry),
            MemoryMb = Memory(defaults, builtIn.MemoryMb),
        };
    }
}
