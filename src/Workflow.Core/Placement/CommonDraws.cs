using System;

namespace Workflow.Placement;

/// <summary>
/// The random numbers of one solve, addressed by what they are for (sample, step, purpose, item)
/// rather than drawn in sequence: every plan of a solve sees the same draws (common random
/// numbers), however many items a foreach has or in what order plans are evaluated, and nothing
/// is stored. SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014) mixes the address into 64 well-spread bits.
/// </summary>
internal readonly struct CommonDraws
{
    // What a draw is for: each purpose gets its own stream so two purposes never share a number.
    public const int RunStream = 1;
    public const int WidthStream = 2;
    public const int OutputStream = 3;
    public const int RuntimeStream = 4;
    public const int LatencyStream = 5;

    private readonly ulong _seed;

    public CommonDraws(int seed) => _seed = Mix((ulong)(uint)seed + 0x9E3779B97F4A7C15UL);

    /// <summary>A uniform number in [0, 1) for the address given.</summary>
    public double Uniform(int sample, int step, int stream, int item = 0)
    {
        var key = _seed;
        key = Mix(key ^ (ulong)(uint)sample);
        key = Mix(key ^ ((ulong)(uint)step << 32 | (uint)stream));
        key = Mix(key ^ (ulong)(uint)item);
        // The top 53 bits make a double in [0, 1) with every value equally likely.
        return (key >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>An index into a list of <paramref name="count"/> samples: every element, the last included, equally likely.</summary>
    public int Index(int count, int sample, int step, int stream, int item = 0) =>
        Math.Min(count - 1, (int)(Uniform(sample, step, stream, item) * count));

    /// <summary>A standard normal number (Box–Muller on two draws of the address).</summary>
    public double Normal(int sample, int edge, int stream)
    {
        var u1 = 1 - Uniform(sample, edge, stream, 0); // (0, 1]: the logarithm stays finite
        var u2 = Uniform(sample, edge, stream, 1);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
