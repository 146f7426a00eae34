using System.Diagnostics;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// A real Python application's session (tests/EndToEnd/python/session.py, redis-py): strings, keys, counters,
/// bitmaps, HyperLogLog, one function per family. Skipped, saying why, only when python3 with redis-py is absent.
/// </summary>
[Collection(StringsCollection.Name)]
public sealed class PythonClientTests(NodeFixture node) : E2ETest(node)
{
    [PythonRedisFact]
    public void Redis_py_session_passes_every_family()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "python", "session.py");
        var start = new ProcessStartInfo(PythonRedis.Interpreter!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { script, "--host", "127.0.0.1", "--port", Node.Port.ToString() }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"session.py did not finish in 120 s\n{stdout.Result}\n{stderr.Result}");
        }
        Assert.True(process.ExitCode == 0,
            $"session.py exited with {process.ExitCode}\n{stdout.Result}\n{stderr.Result}\n{Node.LogTailMessage(20)}");
        Assert.Contains("passed", stdout.Result);
    }
}

/// <summary>A fact that is skipped when no python3 on this machine can import redis-py.</summary>
public sealed class PythonRedisFactAttribute : FactAttribute
{
    public PythonRedisFactAttribute()
    {
        if (PythonRedis.Interpreter is null)
            Skip = "python3 with redis-py not found (Debian: apt-get install -y python3-redis; or set HYPERCACHE_PYTHON)";
    }
}

/// <summary>Finds a python3 that can import redis: $HYPERCACHE_PYTHON, then Debian's /usr/bin/python3 (where
/// python3-redis installs; a pyenv python3 first on the PATH does not see it), then python3 on the PATH.</summary>
public static class PythonRedis
{
    private static readonly Lazy<string?> Found = new(Find);

    public static string? Interpreter => Found.Value;

    private static string? Find()
    {
        string?[] candidates = [Environment.GetEnvironmentVariable("HYPERCACHE_PYTHON"), "/usr/bin/python3", "python3"];
        foreach (var candidate in candidates)
        {
            if (string.IsNullOrEmpty(candidate)) continue;
            try
            {
                var start = new ProcessStartInfo(candidate) { RedirectStandardOutput = true, RedirectStandardError = true };
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("import redis");
                using var process = Process.Start(start);
                if (process is null) continue;
                if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
                {
                    process.Kill();
                    continue;
                }
                if (process.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name
            }
        }
        return null;
    }
}
