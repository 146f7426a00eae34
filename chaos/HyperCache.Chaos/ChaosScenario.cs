using System.Diagnostics;
using System.Text.RegularExpressions;
using HyperCache.Chaos.Drivers;
using HyperCache.Chaos.Workload;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HyperCache.Chaos;

/// <summary>Chaos scenarios kill and pause their own processes: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosCollection
{
    public const string Name = "chaos";
}

/// <summary>
/// Base of a scenario: a driver with its nodes, a random source seeded per run (printed, and overridable with
/// HYPERCACHE_CHAOS_SEED so a failure can be replayed), and helpers to ask nodes about replication.
/// A failure's message names the seed and carries every node's recent output.
/// </summary>
public abstract class ChaosScenario : IDisposable
{
    public const string SeedVariable = "HYPERCACHE_CHAOS_SEED";

    /// <summary>Deadline for anything that should take a moment (a replica catching up, writers stopping).</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _nodes = [];

    /// <param name="partitions">Nodes in a network namespace, so the driver can partition them.</param>
    protected ChaosScenario(ITestOutputHelper output, bool partitions = false)
    {
        _output = output;
        Driver = new LocalProcessDriver(partitions);
        var fromEnv = Environment.GetEnvironmentVariable(SeedVariable);
        Seed = int.TryParse(fromEnv, out var s) ? s : Random.Shared.Next(1, int.MaxValue);
        Rng = new Random(Seed);
        Log($"seed {Seed} ({(fromEnv is null ? "random" : "from " + SeedVariable)}), driver {Driver.Name}");
    }

    protected LocalProcessDriver Driver { get; }

    protected int Seed { get; }

    /// <summary>Every random choice of the scenario (kill moments, pause lengths, writers' seeds) comes from here.</summary>
    protected Random Rng { get; }

    protected void Log(string message) => _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.00}s] {message}");

    protected void Define(string node, string appendFsync, params string[] flags)
    {
        Driver.Define(node, appendFsync, flags);
        _nodes.Add(node);
    }

    /// <summary>Runs the scenario body; a failure is reported with the seed to replay it and the nodes' output.</summary>
    protected void Run(string scenario, Action body)
    {
        try
        {
            body();
            Log($"{scenario} passed in {_clock.Elapsed.TotalSeconds:0.0}s");
        }
        catch (Exception e)
        {
            var diagnostics = string.Join("\n", _nodes.Select(n => $"== {n}\n{Driver.Diagnostics(n)}"));
            throw new Xunit.Sdk.XunitException(
                $"[{scenario}, seed {Seed}: replay with {SeedVariable}={Seed} dotnet test chaos/HyperCache.Chaos -c Release " +
                $"--filter FullyQualifiedName~{scenario}]\n{e.GetType().Name}: {e.Message}\n{diagnostics}", e);
        }
    }

    protected RawRespClient Client(string node) => new(Driver.RespPort(node));

    protected List<AckedWriter> Writers(int count) =>
        Enumerable.Range(0, count).Select(i => new AckedWriter(i, $"chaos:{Seed}:", Rng.Next())).ToList();

    /// <summary>Writers' acknowledged writes so far, all together.</summary>
    protected static int Acked(IEnumerable<AckedWriter> writers) => writers.Sum(w => w.Acked);

    /// <summary>Waits (deadline) until every writer task returned.</summary>
    protected static void WaitAll(Task[] tasks, string what)
    {
        if (!Task.WaitAll(tasks, Deadline)) throw new TimeoutException($"{what}: writers still running after {Deadline.TotalSeconds}s");
    }

    /// <summary>Fails with every lost acknowledged write when <paramref name="node"/> does not hold them all.</summary>
    protected void AssertHoldsAcknowledged(string node, IEnumerable<AckedWriter> writers, string when)
    {
        using var c = Client(node);
        var problems = writers.SelectMany(w => w.Verify(c)).ToList();
        foreach (var w in writers) Log($"{node} {when}: {w}");
        Assert.True(problems.Count == 0, $"{node} {when}: {problems.Count} problems:\n" + string.Join("\n", problems.Take(20)));
    }

    protected void Follow(string replica, string primary)
    {
        using var c = Client(replica);
        var (host, port) = Driver.ReplicaOfTarget(primary);
        Assert.Equal(Resp.Ok, c.Command("REPLICAOF", host, port.ToString()));
    }

    /// <summary>One field of the node's INFO replication ("" when absent).</summary>
    /// <summary>"primary" (with <paramref name="primaryFlags"/>) and "replica" started, the replica following it;
    /// the caller waits for the link as its scenario needs.</summary>
    protected void StartPair(params string[] primaryFlags)
    {
        Define("primary", "everysec", primaryFlags);
        Define("replica", "everysec");
        Driver.Start("primary");
        Driver.Start("replica");
        Follow("replica", "primary");
    }

    /// <summary>"primary" (with <paramref name="primaryFlags"/>), "replica-a" and "replica-b" started, both replicas
    /// following it and connected.</summary>
    protected void StartPrimaryWithTwoReplicas(params string[] primaryFlags)
    {
        Define("primary", "everysec", primaryFlags);
        Define("replica-a", "everysec");
        Define("replica-b", "everysec");
        foreach (var n in new[] { "primary", "replica-a", "replica-b" }) Driver.Start(n);
        Follow("replica-a", "primary");
        Follow("replica-b", "primary");
        Eventually.True(() => InfoLong("primary", "connected_slaves") == 2, "two replicas connected", Deadline);
    }

    /// <summary>"primary" in sync mode (min_acks 1, a 500 ms timeout) and "replica" following it, connected.</summary>
    protected void StartSyncPair()
    {
        StartPair("--replication-mode", "sync", "--min-acks", "1", "--sync-timeout-ms", "500");
        Eventually.True(() => InfoLong("primary", "connected_slaves") == 1, "replica connected", Deadline);
    }

    protected string Info(string node, string field)
    {
        using var c = Client(node);
        var m = Regex.Match(c.Command("INFO", "replication"), $"(?m)^{Regex.Escape(field)}:(.*)\r$");
        return m.Success ? m.Groups[1].Value : "";
    }

    protected long InfoLong(string node, string field) => long.TryParse(Info(node, field), out var v) ? v : -1;

    protected string Digest(string node)
    {
        using var c = Client(node);
        return c.Command("DEBUG", "DIGEST");
    }

    /// <summary>Waits until every replica's DEBUG DIGEST equals the primary's.</summary>
    protected void WaitSameDigest(string primary, params string[] replicas) =>
        Eventually.True(() =>
        {
            var expected = Digest(primary);
            return replicas.All(r => Digest(r) == expected);
        }, $"DEBUG DIGEST of {string.Join(", ", replicas)} equals {primary}'s", Deadline);

    public void Dispose()
    {
        Driver.Dispose();
        GC.SuppressFinalize(this);
    }
}
