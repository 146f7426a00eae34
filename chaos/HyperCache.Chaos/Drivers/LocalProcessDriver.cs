using System.Runtime.InteropServices;
using HyperCache.Chaos.Network;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.Chaos.Drivers;

/// <summary>
/// Runs each node as a local <c>dotnet hypercache.dll serve</c> process on 127.0.0.1 (the end-to-end suite's
/// <see cref="NodeProcess"/>: free ports picked per start, a temporary data directory kept across restarts).
/// Faults are POSIX signals sent to the server's own pid. Runs anywhere the suite runs: no container engine, no root.
/// With <c>partitions</c>, the nodes run inside a network namespace the driver creates (<see cref="NetworkNamespace"/>),
/// each on its own loopback address (127.0.0.10, .11, ...), reached from here through a <see cref="NamespaceForwarder"/>;
/// <see cref="Partition"/> then drops the packets between two nodes inside that namespace.
/// </summary>
public sealed class LocalProcessDriver : IChaosDriver
{
    private const int FirstNodeAddress = 10; // 127.0.0.10; .1 is the namespace's default source, .2 the forwarder's

    private const int SigCont = 18; // Linux numbering (x86-64 and arm64 agree)
    private const int SigStop = 19;
    private static readonly TimeSpan SignalDeadline = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, NodeProcess> _nodes = [];
    private readonly NetworkNamespace? _namespace;
    private readonly NamespaceForwarder? _forwarder;

    /// <param name="partitions">Run the nodes in a network namespace so <see cref="Partition"/> works (needs root;
    /// when it cannot, <see cref="PartitionUnsupportedReason"/> says why and the nodes run on 127.0.0.1).</param>
    public LocalProcessDriver(bool partitions = false)
    {
        if (!partitions || NetworkNamespace.UnsupportedReason is not null) return;
        _namespace = NetworkNamespace.Create();
        try
        {
            _forwarder = new NamespaceForwarder(_namespace);
        }
        catch
        {
            _namespace.Dispose();
            throw;
        }
    }

    public string Name => _namespace is null ? "local-process" : $"local-process in network namespace {_namespace.Name}";

    public string? PartitionUnsupportedReason => _namespace is not null ? null
        : NetworkNamespace.UnsupportedReason ?? "this driver was created without partitions (nodes share the host's loopback)";

    /// <summary>Declares a node (not started): <paramref name="appendFsync"/> and extra <c>serve</c> flags.</summary>
    public void Define(string node, string appendFsync, params string[] flags)
    {
        if (_nodes.ContainsKey(node)) throw new InvalidOperationException($"node {node} already defined");
        if (_namespace is null)
        {
            _nodes[node] = ReplicationNodes.Create(appendFsync, flags);
            return;
        }
        string address = $"127.0.0.{FirstNodeAddress + _nodes.Count}";
        // As ReplicationNodes.Create: no size-triggered snapshots unless the scenario asks for them.
        string[] snapshots = flags.Contains("--snapshot-after-mb") ? [] : ["--snapshot-after-mb", "0"];
        _nodes[node] = new NodeProcess(appendFsync: appendFsync, extraArgs:
            ["--replication-port", TestPorts.Free().ToString(), .. snapshots, "--bind-source-addr", address, .. flags])
        {
            Launcher = ["ip", "netns", "exec", _namespace.Name], // execs dotnet: the pid stays the server's
            BindAddress = address,
            Expose = _forwarder!.Expose,
        };
    }

    public void Start(string node)
    {
        var p = Get(node);
        p.Start();
        if (_namespace is not null && NetworkNamespace.NamespaceOf(p.Pid) != _namespace.Name)
            throw new InvalidOperationException($"{node}'s pid {p.Pid} is not in namespace {_namespace.Name} (not the server's pid?)");
    }

    /// <summary>Host and port another node gives REPLICAOF to follow <paramref name="node"/>.</summary>
    public (string Host, int Port) ReplicaOfTarget(string node) => (Get(node).BindAddress, Get(node).ServerPort);

    public void Kill(string node) => Get(node).Kill9();

    public void Pause(string node)
    {
        var pid = Get(node).Pid;
        Signal(pid, SigStop);
        Eventually.True(() => State(pid) == 'T', $"{node} (pid {pid}) stopped after SIGSTOP", SignalDeadline);
    }

    public void Resume(string node)
    {
        var pid = Get(node).Pid;
        Signal(pid, SigCont);
        Eventually.True(() => State(pid) != 'T', $"{node} (pid {pid}) running after SIGCONT", SignalDeadline);
    }

    public void Restart(string node)
    {
        var p = Get(node);
        if (p.IsRunning) p.Kill9();
        p.Start();
    }

    public int RespPort(string node) => Get(node).Port;

    public void Partition(string node, string other)
    {
        if (_namespace is null) throw new NotSupportedException(PartitionUnsupportedReason);
        _namespace.Drop(Get(node).BindAddress, Get(other).BindAddress);
    }

    public void Heal()
    {
        if (_namespace is null) throw new NotSupportedException(PartitionUnsupportedReason);
        _namespace.Flush();
    }

    public string Diagnostics(string node) => Get(node).LogTailMessage(40);

    public void Dispose()
    {
        foreach (var p in _nodes.Values)
        {
            // A stopped process must run again to die of anything but SIGKILL; Dispose uses SIGKILL, but resume anyway.
            if (p.IsRunning) kill(p.Pid, SigCont);
            p.Dispose();
        }
        _nodes.Clear();
        _forwarder?.Dispose();
        _namespace?.Dispose(); // after the nodes: a namespace lives on while a process is in it
    }

    private NodeProcess Get(string node) =>
        _nodes.TryGetValue(node, out var p) ? p : throw new InvalidOperationException($"node {node} not defined");

    private static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>The process state letter from /proc/PID/stat (R, S, D, T...); '?' when the process is gone.</summary>
    private static char State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')'); // the command name may hold spaces or parentheses
            return afterName >= 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : '?';
        }
        catch (IOException)
        {
            return '?';
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
