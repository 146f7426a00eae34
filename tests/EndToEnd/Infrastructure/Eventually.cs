using System.Diagnostics;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline (for expiry and other time-based behaviour). Never a fixed sleep.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(5);

    public static void True(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (condition())
            {
                return;
            }
            if (sw.Elapsed > limit)
            {
                throw new Xunit.Sdk.XunitException($"Not true within {limit.TotalSeconds:0.#}s: {what}");
            }
            Thread.Sleep(10); // polling interval only
        }
    }
}
