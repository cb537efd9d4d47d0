using System;
using Workflow.Model;

namespace Workflow.Bench.Placement.Caribou;

/// <summary>
/// Caribou draws latencies from measured sample lists (its performance loader's cloudping data); a
/// <see cref="RegionLatency"/> carries a mean and a 95th percentile. Assumed: the samples are the 50
/// mid-quantiles of the lognormal with that mean and 95th percentile.
/// </summary>
internal static class LatencySamples
{
    public const int Count = 50;
    private const double Z95 = 1.6448536269514722; // the standard normal's 95th percentile

    public static double[] Of(RegionLatency latency)
    {
        var samples = new double[Count];
        var mean = Math.Max(latency.MeanSeconds, 1e-9);
        var p95 = Math.Max(latency.P95Seconds, mean);
        // mean = exp(mu + s²/2), p95 = exp(mu + z s)  ⇒  s²/2 − z s + ln(p95/mean) = 0, the smaller root.
        var d = Math.Log(p95 / mean);
        var sigma = Z95 - Math.Sqrt(Math.Max(Z95 * Z95 - 2 * d, 0));
        var mu = Math.Log(mean) - sigma * sigma / 2;
        for (var i = 0; i < Count; i++)
        {
            samples[i] = Math.Exp(mu + sigma * NormalQuantile((i + 0.5) / Count));
        }
        return samples;
    }

    /// <summary>Acklam's rational approximation of the inverse normal CDF (relative error below 1.2e-9).</summary>
    internal static double NormalQuantile(double p)
    {
        double[] a = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
        double[] b = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01 };
        double[] c = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
        double[] e = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00 };
        const double low = 0.02425;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((e[0] * q + e[1]) * q + e[2]) * q + e[3]) * q + 1);
        }
        if (p > 1 - low) return -NormalQuantile(1 - p);
        var r = p - 0.5;
        var s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }
}
