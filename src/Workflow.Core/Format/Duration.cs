using System;
using System.Globalization;
using System.Text;

namespace Workflow.Format;

/// <summary>
/// Durations as workflow.yml writes them: whole numbers with units in descending order, each unit
/// at most once (<c>1h30m</c>, <c>1m30s</c>, <c>2s</c>, <c>500ms</c>), or a bare whole number of seconds (<c>30</c>).
/// </summary>
public static class Duration
{
    /// <summary>The forms <see cref="TryParse"/> accepts, for error messages.</summary>
    public const string AcceptedForms = "a whole number with units h, m, s, ms in that order (1h30m, 1m30s, 2s, 500ms), or a whole number of seconds";

    // Units from largest to smallest; a text must use them in this order, each at most once.
    private static readonly (string Suffix, long Ticks)[] Units =
    {
        ("h", TimeSpan.TicksPerHour),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
        ("ms", TimeSpan.TicksPerMillisecond),
    };

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text?.Trim() ?? "";
        if (text.Length == 0)
        {
            return false;
        }
        if (AllDigits(text))
        {
            return TryScale(text, TimeSpan.TicksPerSecond, 0, out value);
        }

        long ticks = 0;
        var position = 0;
        var nextUnit = 0;
        while (position < text.Length)
        {
            var digitsEnd = position;
            while (digitsEnd < text.Length && IsDigit(text[digitsEnd]))
            {
                digitsEnd++;
            }
            var unitEnd = digitsEnd;
            while (unitEnd < text.Length && text[unitEnd] >= 'a' && text[unitEnd] <= 'z')
            {
                unitEnd++;
            }
            if (digitsEnd == position || unitEnd == digitsEnd)
            {
                return false;
            }
            var unit = FindUnit(text.Substring(digitsEnd, unitEnd - digitsEnd), nextUnit);
            if (unit < 0 || !TryScale(text.Substring(position, digitsEnd - position), Units[unit].Ticks, ticks, out var total))
            {
                return false;
            }
            ticks = total.Ticks;
            nextUnit = unit + 1;
            position = unitEnd;
        }
        value = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>The shortest text <see cref="TryParse"/> reads back to the same value (to the millisecond): 1m30s, 500ms, 0s.</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "-" + Format(value.Negate());
        }
        var parts = new StringBuilder();
        Append(parts, (long)value.TotalHours, "h");
        Append(parts, value.Minutes, "m");
        Append(parts, value.Seconds, "s");
        Append(parts, value.Milliseconds, "ms");
        return parts.Length == 0 ? "0s" : parts.ToString();
    }

    private static void Append(StringBuilder parts, long amount, string unit)
    {
        if (amount != 0)
        {
            parts.Append(amount.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }

    private static int FindUnit(string suffix, int firstAllowed)
    {
        for (var i = firstAllowed; i < Units.Length; i++)
        {
            if (Units[i].Suffix == suffix)
            {
                return i;
            }
        }
        return -1;
    }

    private static bool TryScale(string digits, long ticksPerUnit, long addTo, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }
        try
        {
            value = TimeSpan.FromTicks(checked(amount * ticksPerUnit + addTo));
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static bool AllDigits(string text)
    {
        foreach (var c in text)
        {
            if (!IsDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';
}
