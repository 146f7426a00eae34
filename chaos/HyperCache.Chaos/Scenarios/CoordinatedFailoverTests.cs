using Xunit.Abstractions;

namespace HyperCache.Chaos.Scenarios;

/// <summary>
/// A coordinated FAILOVER under write load, with an async primary and two replicas: writes are paused, a replica
/// takes over once it has everything committed, and the old primary follows it; the other replica stays below the
/// old primary (chained). No write the old primary acknowledged is lost, even with async replication (the writes
/// held during the failover get READONLY afterwards, never a silent loss), and an operator's CLIENT UNPAUSE during
/// the failover lets nothing through. All three then hold the same data.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class CoordinatedFailoverTests(ITestOutputHelper output) : ChaosScenario(output)
{
    private const int MaxOps = 20_000;

    [Fact]
    public void FailoverUnderLoad_NewPrimaryHoldsEveryAcknowledgedWrite() => Run(nameof(FailoverUnderLoad_NewPrimaryHoldsEveryAcknowledgedWrite), () =>
    {
        StartPrimaryWithTwoReplicas("--replication-mode", "async");

        int current = Driver.RespPort("primary");
        var writers = Writers(3);
        // A thread each (they block on their sockets): pool threads would start them one by one, late.
        var tasks = writers.Select(w => Task.Factory.StartNew(() => w.Run(() => Volatile.Read(ref current), MaxOps, stopOnBreak: false),
            TaskCreationOptions.LongRunning)).ToArray();
        int failoverAfter = Rng.Next(100, 1500);
        Eventually.True(() => Acked(writers) >= failoverAfter && writers.All(w => w.Acked > 0), $"{failoverAfter} writes acknowledged, by every writer", Deadline);

        // FAILOVER alone takes the first replica that caught up; TO names one.
        bool named = Rng.Next(2) == 0;
        bool unpause = Rng.Next(2) == 0;
        using (var c = Client("primary"))
        {
            string[] command = named ? ["FAILOVER", "TO", "127.0.0.1", Driver.RespPort("replica-b").ToString(), "TIMEOUT", "20000"] : ["FAILOVER", "TIMEOUT", "20000"];
            Assert.Equal(Resp.Ok, c.Command(command));
            // An operator's CLIENT UNPAUSE must not let writes through a failover (they could be acknowledged and lost).
            if (unpause) Assert.Equal(Resp.Ok, c.Command("CLIENT", "UNPAUSE"));
        }
        Log($"FAILOVER {(named ? "TO replica-b" : "(first caught up)")} after {Acked(writers)} acknowledged writes{(unpause ? ", CLIENT UNPAUSE during it" : "")}");

        string promoted = "";
        Eventually.True(() =>
        {
            promoted = new[] { "replica-a", "replica-b" }.FirstOrDefault(n => Info(n, "role") == "master") ?? "";
            return promoted.Length > 0 && Info("primary", "role") == "slave";
        }, "a replica took over and the old primary follows it", Deadline);
        string other = promoted == "replica-a" ? "replica-b" : "replica-a";
        if (named) Assert.Equal("replica-b", promoted);
        Log($"{promoted} is the primary; {other} stays below the old primary");
        AssertHoldsAcknowledged(promoted, writers, "right after the failover");

        // The writers met READONLY at the old primary; they go on at the new one.
        Volatile.Write(ref current, Driver.RespPort(promoted));
        var after = writers.Select(w => w.Acked).ToArray();
        Eventually.True(() => writers.All(w => w.Acked >= after[w.Id] + 100) || tasks.All(t => t.IsCompleted), "writes acknowledged by the new primary, by every writer", Deadline);
        foreach (var w in writers) w.Stop = true;
        WaitAll(tasks, "writers stopped");
        foreach (var w in writers) Assert.True(w.Violations.Count == 0, $"{w}: {string.Join("; ", w.Violations.Take(5))}");

        WaitSameDigest(promoted, "primary", other);
        Assert.Equal(Driver.RespPort("primary").ToString(), Info(other, "master_port"));
        AssertHoldsAcknowledged(promoted, writers, "after writes to the new primary");
        AssertHoldsAcknowledged("primary", writers, "following the new primary");
        AssertHoldsAcknowledged(other, writers, "chained below the old primary");
    });
}
