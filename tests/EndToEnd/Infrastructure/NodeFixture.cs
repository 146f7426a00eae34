using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Starts one server process for a test collection, on a free loopback port, and stops it afterwards.
/// HYPERCACHE_E2E_TARGET=redis runs the real redis-server (to validate the suite itself);
/// anything else (default "hypercache") runs the HyperCache build next to this test project.
/// </summary>
public class NodeFixture : IAsyncLifetime, IAsyncDisposable
{
    public const string TargetVariable = "HYPERCACHE_E2E_TARGET";
    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(30);
    private const int MaxLogLines = 400;

    private readonly Queue<string> _log = new();
    private readonly object _logLock = new();
    private Process? _process;
    private Lazy<ConnectionMultiplexer>? _mux;

    public NodeFixture()
        : this(string.Equals(Environment.GetEnvironmentVariable(TargetVariable)?.Trim(), "redis", StringComparison.OrdinalIgnoreCase))
    {
    }

    private NodeFixture(bool redis)
    {
        IsRedis = redis;
        DataDir = Path.Combine(Path.GetTempPath(), "hypercache-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    }

    /// <summary>A real redis-server whatever the target, for differential tests (InitializeAsync starts it).</summary>
    public static NodeFixture RedisServer() => new(redis: true);

    /// <summary>A real redis-server, started: <c>await using</c> it.</summary>
    public static async Task<NodeFixture> StartRedisServerAsync()
    {
        var redis = RedisServer();
        try
        {
            await redis.InitializeAsync();
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server's requirepass (both targets get it), or null for none. Startup, the health checks and
    /// the StackExchange.Redis multiplexer authenticate with it; raw connections do not.</summary>
    public virtual string? Password => null;

    /// <summary>More <c>serve</c> flags for a HyperCache target (e.g. <c>--resp-transport epoll</c>).</summary>
    protected virtual IEnumerable<string> ExtraServeArgs => [];

    /// <summary>True when running against the real redis-server.</summary>
    public bool IsRedis { get; }

    public string TargetName => IsRedis ? "redis" : "hypercache";

    public int Port { get; private set; }

    public int HttpPort { get; private set; }

    public string DataDir { get; }

    /// <summary>Where the server writes its JSON log, <c>e2e.log</c> (inside the data directory, deleted with it).</summary>
    public string LogDir => Path.Combine(DataDir, "logs");

    public string HttpBase => $"http://127.0.0.1:{HttpPort}";

    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>
    /// A StackExchange.Redis multiplexer with the options a normal user would use, plus AllowAdmin.
    /// Created on first use, so tests that only use the raw client do not depend on it.
    /// </summary>
    public ConnectionMultiplexer Redis => _mux!.Value;

    public IDatabase Db(int db = 0) => Redis.GetDatabase(db);

    public IServer Server => Redis.GetServer(EndPoint);

    /// <summary>A new raw connection. Dispose it.</summary>
    public RawRespClient Raw(TimeSpan? timeout = null) => new(Port, timeout);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDir);
        Exception? last = null;
        // A freed port can be taken by someone else before the server binds it: retry with a new port.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Port = TestPorts.Free();
            HttpPort = TestPorts.Free();
            try
            {
                StartProcess();
                await WaitForPongAsync();
                _mux = new Lazy<ConnectionMultiplexer>(ConnectClient, LazyThreadSafetyMode.ExecutionAndPublication);
                return;
            }
            catch (Exception e) when (attempt < 3 && _process is { HasExited: true } && LogTail().Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                last = e;
                AppendLog($"--- attempt {attempt} failed (port in use?), retrying");
                _process.Dispose();
                _process = null;
            }
        }
        throw new InvalidOperationException("Server did not start", last);
    }

    private ConnectionMultiplexer ConnectClient()
    {
        var options = ConfigurationOptions.Parse(EndPoint);
        options.AllowAdmin = true;
        options.Password = Password;
        try
        {
            return ConnectionMultiplexer.Connect(options);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"StackExchange.Redis could not connect to {TargetName} at {EndPoint}: {e.Message}\n{LogTailMessage()}", e);
        }
    }

    private void StartProcess()
    {
        var psi = IsRedis ? RedisStartInfo() : HyperCacheStartInfo();
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = false;
        AppendLog($"--- starting: {psi.FileName} {string.Join(" ", psi.ArgumentList.Select(a => a.Length == 0 ? "\"\"" : a))}");
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) AppendLog(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) AppendLog("[stderr] " + e.Data); };
        if (!p.Start())
        {
            throw new InvalidOperationException($"Could not start {psi.FileName}");
        }
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
    }

    private ProcessStartInfo RedisStartInfo()
    {
        var psi = new ProcessStartInfo("redis-server");
        foreach (var a in new[]
                 {
                     "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", DataDir, "--enable-debug-command", "local",
                 })
        {
            psi.ArgumentList.Add(a);
        }
        AddPassword(psi);
        return psi;
    }

    private ProcessStartInfo HyperCacheStartInfo()
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
            throw new FileNotFoundException(
                $"HyperCache server not built: {dll} does not exist. Build it first (dotnet build tests/EndToEnd -c {configuration} " +
                $"builds it too), or run the suite against the real Redis with {TargetVariable}=redis.", dll);
        }
        var psi = new ProcessStartInfo("dotnet");
        foreach (var a in new[]
                 {
                     dll, "serve", "--bind", "127.0.0.1", "--resp-port", Port.ToString(), "--http-port", HttpPort.ToString(),
                     "--data-dir", DataDir, "--appendfsync", "always", "--node-id", "e2e",
                     "--log-dir", LogDir,
                 })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in ExtraServeArgs) psi.ArgumentList.Add(a);
        AddPassword(psi);
        return psi;
    }

    private void AddPassword(ProcessStartInfo psi)
    {
        if (Password is null) return;
        psi.ArgumentList.Add("--requirepass");
        psi.ArgumentList.Add(Password);
    }

    /// <summary>A raw connection already authenticated when the server has a password. Dispose it.</summary>
    public RawRespClient AuthenticatedRaw(TimeSpan? timeout = null)
    {
        var c = Raw(timeout);
        if (Password is not null && c.Command("AUTH", Password) != Resp.Ok)
        {
            c.Dispose();
            throw new InvalidOperationException("AUTH with the fixture's password failed");
        }
        return c;
    }

    public static string FindRepoRoot()
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

    private async Task WaitForPongAsync()
    {
        var sw = Stopwatch.StartNew();
        string lastError = "(no attempt)";
        while (sw.Elapsed < StartupDeadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException(
                    $"{TargetName} exited with code {_process.ExitCode} before answering PING on port {Port}.\n{LogTailMessage()}");
            }
            try
            {
                using var c = AuthenticatedRaw(TimeSpan.FromSeconds(2));
                var reply = c.Command("PING");
                if (reply == Resp.Pong)
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
            await Task.Delay(25); // polling interval, not a wait for readiness: the loop checks the condition
        }
        throw new TimeoutException(
            $"{TargetName} did not answer PING on port {Port} within {StartupDeadline.TotalSeconds}s (last: {lastError}).\n{LogTailMessage()}");
    }

    /// <summary>Asserts that the server process is still running and answers PING on a fresh connection.</summary>
    public void AssertAlive()
    {
        if (_process is { HasExited: true })
        {
            throw new Xunit.Sdk.XunitException($"{TargetName} process has exited with code {_process.ExitCode}.\n{LogTailMessage()}");
        }
        try
        {
            using var c = AuthenticatedRaw();
            var reply = c.Command("PING");
            if (reply != Resp.Pong)
            {
                throw new Xunit.Sdk.XunitException($"PING on a fresh connection replied {RawRespClient.Escape(reply)}.\n{LogTailMessage()}");
            }
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or InvalidDataException)
        {
            throw new Xunit.Sdk.XunitException($"Fresh connection could not PING: {e.Message}.\n{LogTailMessage()}");
        }
    }

    /// <summary>The last lines of the server's stdout/stderr.</summary>
    public string LogTail(int lines = 60)
    {
        lock (_logLock)
        {
            return string.Join('\n', _log.Skip(Math.Max(0, _log.Count - lines)));
        }
    }

    public string LogTailMessage(int lines = 60) =>
        $"--- {TargetName} on port {Port}, {ProcessState()}; output (tail) ---\n{LogTail(lines)}\n--- end of output ---";

    private string ProcessState()
    {
        try
        {
            return _process is null ? "not started" : _process.HasExited ? $"EXITED with code {_process.ExitCode}" : $"pid {_process.Id} running";
        }
        catch (InvalidOperationException)
        {
            return "state unknown";
        }
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

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public Task DisposeAsync()
    {
        if (_mux is { IsValueCreated: true })
        {
            try
            {
                _mux.Value.Dispose();
            }
            catch (Exception)
            {
                // the connection may already be broken; the process is killed below anyway
            }
        }
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
        }
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // best effort: a file may still be held for a moment after the kill
        }
        return Task.CompletedTask;
    }
}
