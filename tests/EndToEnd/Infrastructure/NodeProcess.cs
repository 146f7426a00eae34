using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A HyperCache server process that a test controls itself: start it on a data directory, kill it with SIGKILL,
/// stop it with SIGTERM, start it again on the same directory. Unlike <see cref="NodeFixture"/> (one server per
/// collection, started once), crash tests need to restart a node several times inside one test.
/// The process is <c>dotnet hypercache.dll serve ...</c>: the dotnet host runs the server in its own process,
/// so killing this pid kills the server itself, not a wrapper.
/// Each start picks fresh loopback ports, so a restart never waits for the old port to be released.
/// </summary>
public sealed class NodeProcess : IDisposable
{
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(30);
    private const int MaxLogLines = 400;
    private const int SigTerm = 15;

    private readonly Queue<string> _log = new();
    private readonly object _logLock = new();
    private readonly bool _ownsDataDir;
    private readonly string[] _extraArgs;
    private Process? _process;

    /// <param name="dataDir">Data directory; a new temporary one (deleted on dispose) when null.</param>
    /// <param name="appendFsync">always | everysec | no.</param>
    /// <param name="extraArgs">More <c>serve</c> flags (e.g. <c>--http-api-key K</c>).</param>
    public NodeProcess(string? dataDir = null, string appendFsync = "always", IEnumerable<string>? extraArgs = null)
    {
        _extraArgs = extraArgs?.ToArray() ?? [];
        _ownsDataDir = dataDir is null;
        DataDir = dataDir ?? Path.Combine(Path.GetTempPath(), "hypercache-e2e-crash-" + Guid.NewGuid().ToString("N")[..12]);
        AppendFsync = appendFsync;
    }

    public string DataDir { get; }

    public string AppendFsync { get; }

    /// <summary>More <c>serve</c> flags for the next start (e.g. <c>--cut-corrupt-log</c>).</summary>
    public List<string> ExtraArgs { get; } = [];

    /// <summary>Where tests reach the RESP port: 127.0.0.1:Port (<see cref="ServerPort"/> unless <see cref="Expose"/> maps it).</summary>
    public int Port { get; private set; }

    /// <summary>The RESP port the server itself listens on, at <see cref="BindAddress"/>.</summary>
    public int ServerPort { get; private set; }

    /// <summary>Command run in front of <c>dotnet</c> (e.g. <c>ip netns exec NS</c>); it must exec, not fork, so
    /// <see cref="Pid"/> stays the server's.</summary>
    public string[] Launcher { get; init; } = [];

    /// <summary>The server's <c>--bind</c> address.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>Given the server's bind address and RESP port, the port on 127.0.0.1 that reaches it (a forwarder);
    /// null: the server's own port.</summary>
    public Func<string, int, int>? Expose { get; init; }

    public int HttpPort { get; private set; }

    public string EndPoint => $"127.0.0.1:{Port}";

    public string HttpBase => $"http://127.0.0.1:{HttpPort}";

    /// <summary>The server's pid (the dotnet host running hypercache.dll).</summary>
    public int Pid => _process?.Id ?? throw new InvalidOperationException("not started");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>How many times the process has been started.</summary>
    public int Starts { get; private set; }

    /// <summary>True when HYPERCACHE_E2E_TARGET=redis: tests of HyperCache's own persistence cannot run then.</summary>
    public static bool TargetIsRedis =>
        string.Equals(Environment.GetEnvironmentVariable(NodeFixture.TargetVariable)?.Trim(), "redis", StringComparison.OrdinalIgnoreCase);

    /// <summary>A new raw connection to the running process. Dispose it.</summary>
    public RawRespClient Raw(TimeSpan? timeout = null) => new(Port, timeout);

    /// <summary>Starts the server on <see cref="DataDir"/> and waits (deadline) until it answers PING.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("already running");
        }
        Directory.CreateDirectory(DataDir);
        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            ServerPort = TestPorts.Free();
            HttpPort = TestPorts.Free();
            Port = Expose?.Invoke(BindAddress, ServerPort) ?? ServerPort;
            _process?.Dispose();
            _process = null;
            StartProcess();
            Starts++;
            try
            {
                WaitForPong();
                return;
            }
            catch (Exception e) when (attempt < 3 && _process is { HasExited: true } && LogTail().Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                last = e;
                AppendLog($"--- attempt {attempt} failed (port in use?), retrying");
            }
        }
        throw new InvalidOperationException("Server did not start", last);
    }

    /// <summary>SIGKILL: no chance to flush or commit anything. Waits until the process is gone.</summary>
    public void Kill9()
    {
        var p = _process ?? throw new InvalidOperationException("not started");
        AppendLog($"--- SIGKILL pid {p.Id}");
        p.Kill(entireProcessTree: false); // SIGKILL on Unix
        if (!p.WaitForExit(10_000))
        {
            throw new TimeoutException($"pid {p.Id} still running 10 s after SIGKILL.\n{LogTailMessage()}");
        }
        p.WaitForExit(); // drains the redirected output
    }

    /// <summary>SIGTERM, then waits (deadline) for the exit; returns the exit code.</summary>
    public int Terminate(TimeSpan? deadline = null)
    {
        var p = _process ?? throw new InvalidOperationException("not started");
        AppendLog($"--- SIGTERM pid {p.Id}");
        if (kill(p.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill(pid {p.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        var limit = deadline ?? TimeSpan.FromSeconds(20);
        if (!p.WaitForExit(limit))
        {
            throw new Xunit.Sdk.XunitException($"pid {p.Id} did not exit within {limit.TotalSeconds:0.#}s of SIGTERM.\n{LogTailMessage()}");
        }
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>Waits (deadline) for the process to exit by itself (SHUTDOWN); returns the exit code.</summary>
    public int WaitForExit(TimeSpan deadline)
    {
        var p = _process ?? throw new InvalidOperationException("not started");
        if (!p.WaitForExit(deadline))
        {
            throw new Xunit.Sdk.XunitException($"pid {p.Id} still running {deadline.TotalSeconds:0.#}s later.\n{LogTailMessage()}");
        }
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>Sends a signal (SIGHUP = 1...) to the node process.</summary>
    public void Signal(int signal)
    {
        var p = _process ?? throw new InvalidOperationException("not started");
        AppendLog($"--- signal {signal} to pid {p.Id}");
        if (kill(p.Id, signal) != 0) throw new InvalidOperationException($"kill(pid {p.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private void StartProcess()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var repo = FindRepoRoot();
        var dll = Path.Combine(repo, "src", "Frontends", "bin", configuration, "net10.0", "hypercache.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"HyperCache server not built: {dll} does not exist (dotnet build tests/EndToEnd builds it).", dll);
        }
        var psi = new ProcessStartInfo(Launcher.Length > 0 ? Launcher[0] : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var a in Launcher.Skip(1).Concat(Launcher.Length > 0 ? ["dotnet"] : []))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in new[]
                 {
                     dll, "serve", "--bind", BindAddress, "--resp-port", ServerPort.ToString(), "--http-port", HttpPort.ToString(),
                     "--data-dir", DataDir, "--appendfsync", AppendFsync, "--node-id", "e2e-crash",
                     "--log-dir", Path.Combine(DataDir, "logs"),
                 }.Concat(_extraArgs))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in ExtraArgs)
        {
            psi.ArgumentList.Add(a);
        }
        AppendLog($"--- starting: {psi.FileName} {string.Join(" ", psi.ArgumentList)}");
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) AppendLog(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) AppendLog("[stderr] " + e.Data); };
        if (!p.Start())
        {
            throw new InvalidOperationException("Could not start dotnet");
        }
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
    }

    private void WaitForPong()
    {
        var sw = Stopwatch.StartNew();
        var lastError = "(no attempt)";
        while (sw.Elapsed < StartupDeadline)
        {
            if (_process!.HasExited)
            {
                _process.WaitForExit(); // drains the redirected output: the reason it exited is in its last lines
                throw new InvalidOperationException($"hypercache exited with code {_process.ExitCode} before answering PING.\n{LogTailMessage()}");
            }
            try
            {
                using var c = Raw(TimeSpan.FromSeconds(2));
                var reply = c.Command("PING");
                // MISCONF: up, but its log cannot be written (a test's full disk); it still answers.
                if (reply == Resp.Pong || reply.StartsWith("-MISCONF ", StringComparison.Ordinal))
                {
                    AppendLog($"--- answered PING after {sw.ElapsedMilliseconds} ms");
                    return;
                }
                lastError = "PING replied " + RawRespClient.Escape(reply);
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException or InvalidDataException)
            {
                lastError = e.GetType().Name + ": " + e.Message;
            }
            Thread.Sleep(25); // polling interval; the loop checks the condition
        }
        throw new TimeoutException($"hypercache did not answer PING within {StartupDeadline.TotalSeconds}s (last: {lastError}).\n{LogTailMessage()}");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HyperCache.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No HyperCache.sln found above {AppContext.BaseDirectory}");
    }

    public string LogTail(int lines = 60)
    {
        lock (_logLock)
        {
            return string.Join('\n', _log.Skip(Math.Max(0, _log.Count - lines)));
        }
    }

    public string LogTailMessage(int lines = 60)
    {
        string state;
        try
        {
            state = _process is null ? "not started" : _process.HasExited ? $"EXITED with code {_process.ExitCode}" : $"pid {_process.Id} running";
        }
        catch (InvalidOperationException)
        {
            state = "state unknown";
        }
        return $"--- hypercache on port {Port} ({DataDir}), {state}; output (tail) ---\n{LogTail(lines)}\n--- end of output ---";
    }

    private void AppendLog(string line)
    {
        lock (_logLock)
        {
            _log.Enqueue(line);
            while (_log.Count > MaxLogLines)
            {
                _log.Dequeue();
            }
        }
    }

    public void Dispose()
    {
        if (_process is not null)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            _process.Dispose();
            _process = null;
        }
        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }
}

/// <summary>A fact about HyperCache's own persistence (DEBUG DIGEST, INFO persistence, restarts): skipped under HYPERCACHE_E2E_TARGET=redis.</summary>
public sealed class HyperCacheFactAttribute : FactAttribute
{
    public HyperCacheFactAttribute()
    {
        if (NodeProcess.TargetIsRedis)
        {
            Skip = "HyperCache only: checks its AOF recovery (DEBUG DIGEST, INFO persistence, restarts on the same data dir)";
        }
    }
}
