using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// Who serves the loop. One runner thread at a time waits in epoll_wait and runs the connections' code inline. When a
/// script goes past busy-reply-threshold while that runner is in connection code (running the script, or a command
/// waiting for it), <see cref="StandInForHeldLoops"/> starts a new runner, which serves the loop from then on; the
/// connection being handled is left alone meanwhile (its fd leaves epoll, its posted actions wait). The held runner,
/// once back from that code, hands its connection back and ends (<see cref="Leave"/>). Nobody ever waits for a held
/// runner: a script sent right after SCRIPT KILL may start on the new runner and go busy in turn, and then gets a
/// runner after it the same way.
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private static EpollLoop[] s_loops = [];
    private static readonly Lock s_loopsLock = new();

    // A runner's phase: Waiting (in epoll_wait or between events), Handling (running connection code, for Handling),
    // StoodIn (another runner serves the loop: this one ends when it is back from that code).
    private const int Waiting = 0, Handling = 1, StoodIn = 2;

    private sealed class Runner
    {
        public Thread Thread = null!;
        public int Phase;
        public EpollConnection? Handling; // whose code it runs (Phase Handling)
        public bool Dispatching;          // handing out a round of events (TryDeferSend); its own thread only
    }

    private volatile Runner _serving = null!;
    // The serving runner's only: connections whose code holds a runner that gave up the loop, with the actions
    // posted about them meanwhile, in order; and those actions once their runner is back, to run first.
    private readonly Dictionary<EpollConnection, List<Action>> _held = [];
    private readonly Queue<(EpollConnection? About, Action Action)> _handedBack = new();
    private readonly ConcurrentQueue<EpollConnection> _returned = new(); // from runners that are back

    private void StartRunner(string name)
    {
        var runner = new Runner();
        runner.Thread = new Thread(() => Serve(runner)) { IsBackground = true, Name = name };
        _serving = runner;
        runner.Thread.Start();
    }

    /// <summary>Runner's own thread, before connection code (a volatile write).</summary>
    private static void Enter(Runner runner, EpollConnection? connection)
    {
        runner.Handling = connection;
        Volatile.Write(ref runner.Phase, Handling);
    }

    /// <summary>Runner's own thread, after connection code (one compare-exchange). False when another runner took
    /// the loop over meanwhile: this one hands its connection back to it and ends.</summary>
    private bool Leave(Runner runner)
    {
        if (Interlocked.CompareExchange(ref runner.Phase, Waiting, Handling) == Handling) return true;
        if (runner.Handling is { } connection) _returned.Enqueue(connection);
        Wake(); // the serving runner takes the connection back, and runs what this one left queued
        return false;
    }

    private bool IsHeld(EpollConnection connection) => _held.Count != 0 && _held.ContainsKey(connection);

    /// <summary>Serving runner: the connections of runners that are back rejoin epoll, and the actions posted about
    /// them meanwhile run next, before anything posted after them.</summary>
    private void TakeBackReturned()
    {
        while (_returned.TryDequeue(out var connection))
        {
            if (!_held.Remove(connection, out var waiting)) continue;
            connection.ReleaseEvents();
            foreach (var action in waiting) _handedBack.Enqueue((connection, action));
        }
    }

    /// <summary>
    /// A script just went past busy-reply-threshold. Scripts run inline on the runner serving the connection that sent
    /// them, and a command sent before the node was busy may be waiting for the script on its own loop's runner: each
    /// loop whose runner is in connection code now gets a new runner, which serves its other connections.
    /// </summary>
    public static void StandInForHeldLoops()
    {
        foreach (var loop in Volatile.Read(ref s_loops))
        {
            var runner = loop._serving;
            if (Interlocked.CompareExchange(ref runner.Phase, StoodIn, Handling) == Handling) loop.TakeOver(runner);
        }
    }

    /// <summary>The held runner is in connection code and reads none of the loop's state until it is back (then it
    /// only queues its connection in <see cref="_returned"/>): the new runner starts after these writes.</summary>
    private void TakeOver(Runner held)
    {
        if (held.Handling is { } connection && _held.TryAdd(connection, [])) connection.HoldEvents();
        StartRunner(_name);
        _logger.LogInformation("RESP epoll loop {Name} was in connection code as a script went busy: a new thread serves the loop, the held one ends when it is back", _name);
    }
}
