using System.Runtime.InteropServices;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.Chaos.Drivers;

/// <summary>
/// Runs each node as a local <c>dotnet hypercache.dll serve</c> process on 127.0.0.1 (the end-to-end suite's
/// <see cref="NodeProcess"/>: free ports picked per start, a temporary data directory kept across restarts).
/// Faults are POSIX signals sent to the server's own pid. Runs anywhere the suite runs: no container engine, no root.
/// </summary>
public sealed class LocalProcessDriver : IChaosDriver
{
    private const int SigCont = 18; // Linux numbering (x86-64 and arm64 agree)
    private const int SigStop = 19;
    private static readonly TimeSpan SignalDeadline = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, NodeProcess> _nodes = [];

    public string Name => "local-process";

    /// <summary>
    /// Partitions would need each node in its own network namespace joined by veth links (addresses other than
    /// 127.0.0.1) or host firewall rules shared with everything else on the machine; neither is done here.
    /// </summary>
    public string? PartitionUnsupportedReason =>
        "partitions are not implemented by the local-process driver (every node shares the host's loopback; " +
        "network namespaces or firewall rules would be needed)";

    /// <summary>Declares a node (not started): <paramref name="appendFsync"/> and extra <c>serve</c> flags.</summary>
    public void Define(string node, string appendFsync, params string[] flags)
    {
        if (_nodes.ContainsKey(node)) throw new InvalidOperationException($"node {node} already defined");
        _nodes[node] = ReplicationNodes.Create(appendFsync, flags);
    }

    public void Start(string node) => Get(node).Start();

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

    public void Partition(string node, string other) => throw new NotSupportedException(PartitionUnsupportedReason);

    public void Heal() => throw new NotSupportedException(PartitionUnsupportedReason);

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
