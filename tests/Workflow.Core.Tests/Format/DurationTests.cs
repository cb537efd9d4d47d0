using System;
using Workflow.Format;

namespace Workflow.Tests.Format;

public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData("30", 30_000)]
    [InlineData(" 2s ", 2_000)]
    [InlineData("0s", 0)]
    public void Duration_reads_units_and_bare_seconds(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("5 minutes")]
    [InlineData("1.5s")]
    [InlineData("30m1h")]
    [InlineData("1s1s")]
    [InlineData("-1s")]
    [InlineData("ms")]
    [InlineData("1d")]
    [InlineData("5M")]
    [InlineData("99999999999999999999s")]
    public void Duration_rejects_other_texts(string text)
    {
        Assert.False(Duration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(500, "500ms")]
    [InlineData(0, "0s")]
    [InlineData(3_600_000, "1h")]
    [InlineData(7_205_000, "2h5s")]
    [InlineData(129_600_000, "36h")]
    [InlineData(-2_000, "-2s")]
    public void Duration_formats_as_it_reads(long milliseconds, string text)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Equal(text, Duration.Format(value));
        if (milliseconds >= 0)
        {
            Assert.True(Duration.TryParse(text, out var back));
            Assert.Equal(value, back);
        }
    }
}
