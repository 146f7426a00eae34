using Xunit.Abstractions;

namespace HyperCache.Chaos.Scenarios;

/// <summary>
/// Scenario 1: one node under <c>appendfsync always</c>, SIGKILLed at random moments while writers run, restarted on
/// the same data directory each time: every acknowledged SET, INCR and LPUSH is there after every restart.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class SingleNodeKillTests(ITestOutputHelper output) : ChaosScenario(output)
{
    private const int Kills = 4;
    private const int MaxOpsPerRound = 20_000;

    [Fact]
    public void SigkillAtRandomMoments_KeepsEveryAcknowledgedWrite() => Run(nameof(SigkillAtRandomMoments_KeepsEveryAcknowledgedWrite), () =>
    {
        Define("solo", "always");
        Driver.Start("solo");
        var writers = Writers(3);
        for (int round = 1; round <= Kills; round++)
        {
            int port = Driver.RespPort("solo");
            int killAfter = Acked(writers) + Rng.Next(30, 400); // the random moment: after this many more acknowledgements
            var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, MaxOpsPerRound, stopOnBreak: true))).ToArray();
            Eventually.True(() => Acked(writers) >= killAfter || tasks.All(t => t.IsCompleted), $"round {round}: {killAfter} writes acknowledged", Deadline);
            Driver.Kill("solo");
            WaitAll(tasks, $"round {round}");
            Log($"round {round}: SIGKILL after {Acked(writers)} acknowledged writes");
            Driver.Start("solo");
            AssertHoldsAcknowledged("solo", writers, $"after SIGKILL {round}");
        }
    });
}
