namespace HyperCache.Chaos.Drivers;

/// <summary>
/// What a chaos scenario may do to the nodes of a cluster, whatever runs them (local processes, docker compose).
/// Nodes are named; a scenario defines them first (driver-specific), then starts, kills, pauses and restarts them
/// and talks to each on <see cref="RespPort"/> (127.0.0.1). Every call returns once the fault is in effect
/// (a killed node is gone, a paused one is stopped, a started one answers PING), so scenarios never guess with sleeps.
/// </summary>
public interface IChaosDriver : IDisposable
{
    string Name { get; }

    /// <summary>Starts the node on its data directory and waits until it answers PING.</summary>
    void Start(string node);

    /// <summary>SIGKILL: no flush, no goodbye. Waits until the process is gone.</summary>
    void Kill(string node);

    /// <summary>SIGSTOP: the process keeps its sockets but runs nothing. Waits until it is stopped.</summary>
    void Pause(string node);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    void Resume(string node);

    /// <summary>Kills the node if it runs, then starts it again on the same data directory.</summary>
    void Restart(string node);

    /// <summary>The node's RESP port on 127.0.0.1 (may change across restarts with the local driver).</summary>
    int RespPort(string node);

    /// <summary>Null when <see cref="Partition"/> works here; otherwise why not (scenarios skip with this reason).</summary>
    string? PartitionUnsupportedReason { get; }

    /// <summary>Cuts every connection between the two nodes, both ways, until <see cref="Heal"/>.</summary>
    void Partition(string node, string other);

    /// <summary>Removes every partition.</summary>
    void Heal();

    /// <summary>The node's recent output, for failure messages.</summary>
    string Diagnostics(string node);
}
