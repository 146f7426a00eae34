namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Base for test classes: xunit makes a new instance per test, so each test gets its own key prefix
/// and its own raw connection (opened on first use).
/// </summary>
public abstract class E2ETest : IDisposable
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
    protected string Cmd(params string[] args) => Raw.Command(args);

    /// <summary>Asserts an exact reply, showing control characters readably on failure.</summary>
    protected void Expect(string expected, params string[] args)
    {
        var actual = Cmd(args);
        if (expected != actual)
        {
            throw new Xunit.Sdk.XunitException(
                $"{string.Join(' ', args.Select(RawRespClient.Escape))}\nExpected: {RawRespClient.Escape(expected)}\nActual:   {RawRespClient.Escape(actual)}");
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
