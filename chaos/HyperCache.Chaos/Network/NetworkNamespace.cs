using System.Diagnostics;

namespace HyperCache.Chaos.Network;

/// <summary>
/// A network namespace this test process creates for its nodes (<c>hc-chaos-PID-N</c>, its own <c>lo</c> up), and
/// the firewall inside it. Every node of the namespace listens on its own loopback address (127.0.0.10, .11, ...);
/// a partition drops every packet between two of them, both ways, silently (no RST: TCP retransmits into nothing).
/// Nothing here touches the host's own firewall, routes or sysctls: every command runs inside the namespace.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private const string Prefix = "hc-chaos-";
    private static int _created;
    private static readonly Lazy<string?> Probe = new(ProbeOnce);
    private readonly string _firewall;

    private NetworkNamespace(string name, string firewall)
    {
        Name = name;
        _firewall = firewall;
    }

    public string Name { get; }

    /// <summary>/var/run/netns/NAME: what <c>setns</c> opens to enter the namespace.</summary>
    public string Path => "/var/run/netns/" + Name;

    /// <summary>Null when namespaces and their firewall work here (probed once: root, <c>ip</c>, <c>iptables</c> or
    /// <c>nft</c>, and <c>ip netns add</c> succeeding); otherwise the precise reason.</summary>
    public static string? UnsupportedReason => Probe.Value;

    /// <summary>Creates a fresh namespace with <c>lo</c> up (and removes namespaces left by test processes that died).</summary>
    public static NetworkNamespace Create()
    {
        if (UnsupportedReason is { } reason) throw new NotSupportedException(reason);
        RemoveOrphans();
        var ns = new NetworkNamespace($"{Prefix}{Environment.ProcessId}-{Interlocked.Increment(ref _created)}", Firewall()!);
        Run("ip", "netns", "add", ns.Name);
        try
        {
            ns.Exec("ip", "link", "set", "lo", "up");
            if (ns._firewall == "nft")
            {
                ns.Exec("nft", "add", "table", "ip", "hcchaos");
                ns.Exec("nft", "add chain ip hcchaos input { type filter hook input priority 0 ; policy accept ; }");
            }
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Drops every packet between <paramref name="a"/> and <paramref name="b"/>, both ways. On loopback every
    /// packet passes INPUT once, so dropping there cuts both directions of every connection.</summary>
    public void Drop(string a, string b)
    {
        foreach (var (from, to) in new[] { (a, b), (b, a) })
        {
            if (_firewall == "nft") Exec("nft", $"add rule ip hcchaos input ip saddr {from} ip daddr {to} drop");
            else Exec("iptables", "-w", "-A", "INPUT", "-s", from, "-d", to, "-j", "DROP");
        }
    }

    /// <summary>Removes every drop rule.</summary>
    public void Flush()
    {
        if (_firewall == "nft") Exec("nft", "flush", "chain", "ip", "hcchaos", "input");
        else Exec("iptables", "-w", "-F", "INPUT");
    }

    /// <summary>Which namespace <paramref name="pid"/> is in ("" when none has a name).</summary>
    public static string NamespaceOf(int pid) => Run("ip", "netns", "identify", pid.ToString()).Trim();

    /// <summary>Runs a command inside the namespace (<c>ip netns exec</c>); a single argument string is split on spaces
    /// (nft's rule syntax reads better as one string).</summary>
    private void Exec(string command, params string[] args)
    {
        var words = args.Length == 1 ? args[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) : args;
        Run(["ip", "netns", "exec", Name, command, .. words]);
    }

    public void Dispose()
    {
        try
        {
            Run("ip", "netns", "delete", Name);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static string? Firewall() =>
        OnPath("iptables") ? "iptables" : OnPath("nft") ? "nft" : null;

    private static string? ProbeOnce()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces need Linux";
        if (!HasCapabilities()) return "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN); this process lacks them";
        if (!OnPath("ip")) return "the 'ip' command (iproute2) is not installed";
        if (Firewall() is null) return "neither 'iptables' nor 'nft' is installed";
        string name = $"{Prefix}{Environment.ProcessId}-probe";
        try
        {
            Run("ip", "netns", "add", name);
            try
            {
                if (Firewall() == "iptables") Run("ip", "netns", "exec", name, "iptables", "-w", "-S", "INPUT");
                else Run("ip", "netns", "exec", name, "nft", "list", "ruleset");
            }
            finally
            {
                Run("ip", "netns", "delete", name);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "creating a network namespace with a firewall failed: " + e.Message;
        }
        return null;
    }

    /// <summary>CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21, for setns) in the effective set (/proc/self/status CapEff).</summary>
    private static bool HasCapabilities()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            if (line is null) return false;
            ulong caps = Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16);
            return (caps & (1UL << 12)) != 0 && (caps & (1UL << 21)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin")
            .Any(dir => dir.Length > 0 && File.Exists(System.IO.Path.Combine(dir, command)));

    /// <summary>Namespaces named for a test process that no longer runs (it was killed before its Dispose).</summary>
    private static void RemoveOrphans()
    {
        if (!Directory.Exists("/var/run/netns")) return;
        foreach (var file in Directory.GetFiles("/var/run/netns", Prefix + "*"))
        {
            var parts = System.IO.Path.GetFileName(file)[Prefix.Length..].Split('-');
            if (int.TryParse(parts[0], out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Run("ip", "netns", "delete", System.IO.Path.GetFileName(file));
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
    }

    private static string Run(params string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command[0]}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(15_000))
        {
            p.Kill();
            throw new InvalidOperationException($"'{string.Join(" ", command)}' did not finish within 15 s");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"'{string.Join(" ", command)}' exited with {p.ExitCode}: {stderr.Result.Trim()}");
        return stdout.Result;
    }
}
