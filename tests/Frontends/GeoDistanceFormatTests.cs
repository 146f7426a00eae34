using System.Globalization;
using System.Text;
using HyperCache.Frontends.Resp.Commands;

namespace HyperCache.Frontends.Tests;

/// <summary>GEODIST's and WITHDIST's "%.4f" fast path writes what the exact formatter writes, or declines.</summary>
public sealed class GeoDistanceFormatTests
{
    private static void Check(double value)
    {
        Span<byte> text = stackalloc byte[64];
        if (GeoCommands.TryFormatFixed4(value, text, out int written))
            Assert.Equal(value.ToString("F4", CultureInfo.InvariantCulture), Encoding.ASCII.GetString(text[..written]));
    }

    [Fact]
    public void Random_distances_format_as_the_exact_formatter_does()
    {
        var random = new Random(2026);
        for (int i = 0; i < 300_000; i++)
        {
            Check(random.NextDouble() * Math.Pow(10, random.Next(-6, 9))); // 1e-6 .. 1e8 m and km
            Check(Math.Round(random.NextDouble() * 2e7, random.Next(0, 6)));  // few decimals: many near ties
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.00005)]        // a tie in decimal, not in binary: the exact formatter decides
    [InlineData(0.00015)]
    [InlineData(1.23455)]
    [InlineData(2.5e-5)]
    [InlineData(9999.99995)]
    [InlineData(99_999_999.99995)]
    [InlineData(166_274.1516)]   // Redis's GEODIST Palermo Catania
    [InlineData(20_037_508.342789244)]
    public void Edge_values_format_as_the_exact_formatter_does(double value) => Check(value);

    [Theory]
    [InlineData(-1.0)]
    [InlineData(1e8)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Values_outside_its_range_are_declined(double value)
        => Assert.False(GeoCommands.TryFormatFixed4(value, stackalloc byte[64], out _));

    [Fact]
    public void Most_distances_take_the_fast_path()
    {
        var random = new Random(7);
        int taken = 0;
        Span<byte> text = stackalloc byte[64];
        for (int i = 0; i < 10_000; i++)
            if (GeoCommands.TryFormatFixed4(random.NextDouble() * 2e7, text, out _)) taken++;
        Assert.InRange(taken, 9_950, 10_000); // only about 0.2 % are that near a tie
    }
}
