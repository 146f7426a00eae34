namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Base for test classes: xunit makes a new instance per test, so each test gets its own key prefix
/// and its own raw connection (opened on first use).
/// </summary>
public abstract partial class E2ETest : IDisposable
{
    private RawRespClient? _raw;

    protected E2ETest(NodeFixture node)
    {
        Node = node;
        Prefix = $"e2e:{GetType().Name}:{Guid.NewGuid().ToString("N")[..8]}:";
    }

    protected NodeFixture Node { get; }

    /// <summary>Unique per test; contains no glob special characters.</summary>
    protected string Prefix { get; }

    protected string K(string name = "k") => Prefix + name;

    protected RawRespClient Raw => _raw ??= Node.Raw();

    /// <summary>Sends a command on this test's raw connection and returns the exact reply bytes.</summary>
    protected string Cmd(params string[] args)
    {
        try
        {
            return Raw.Command(args);
        }
        catch (Exception e) when (e is IOException or TimeoutException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            throw new Xunit.Sdk.XunitException(
                $"{Describe(args)} failed: {e.GetType().Name}: {e.Message}\n{Node.LogTailMessage(20)}");
        }
    }

    private static string Describe(string[] args) => string.Join(' ', args.Select(a => a.Length > 80 ? RawRespClient.Escape(a[..80]) + "..." : RawRespClient.Escape(a)));

    /// <summary>Asserts an exact reply, showing control characters readably on failure.</summary>
    protected void Expect(string expected, params string[] args)
    {
        var actual = Cmd(args);
        if (expected != actual)
        {
            throw new Xunit.Sdk.XunitException(
                $"{Describe(args)}\nExpected: {RawRespClient.Escape(expected)}\nActual:   {RawRespClient.Escape(actual)}\n{Node.LogTailMessage(10)}");
        }
    }

    protected static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    protected static long NowS() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public virtual void Dispose()
    {
        _raw?.Dispose();
        GC.SuppressFinalize(this);
    }
}
