using System.Diagnostics;
using System.Text;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// SLOWLOG: the last <c>slowlog-max-len</c> commands that ran for at least <c>slowlog-log-slower-than</c>
/// microseconds (negative: off; 0: every command), newest first, as Redis keeps them: at most 32 arguments (the
/// last one saying how many more there were), each cut at 128 bytes, AUTH's secrets redacted, the client's address
/// and name. Time is the command's own execution, not its wait in the socket or for a blocking key: a command that
/// blocked is logged when it is served or ended by CLIENT UNBLOCK, with the time it ran before blocking and the
/// time its reply took, and not when it times out by itself, as Redis 7.0 does (<see cref="Hold"/>).
/// <para>Which commands are timed: every command that is not flagged fast (the O(n) ones a slow log is for: KEYS,
/// LRANGE, SMEMBERS, DEL of a big key, set algebra...), by the one clock read the pipeline already made after such a
/// command to move its pinned time on (<see cref="StateMachine.Store.AdvanceClock"/>); so the time logged also
/// holds the fast commands run since the previous read in the same batch, microseconds at most. Fast commands are
/// timed only when the threshold is 0 (then every command is logged); reading the clock around every GET cost ~6 %
/// of a pipelined GET, and an O(1) command over the 10 ms default is a huge value. Commands inside EXEC are each
/// timed exactly.</para>
/// </summary>
public sealed class SlowLog
{
    public const int MaxArgs = 32;
    public const int MaxArgBytes = 128;

    public readonly record struct Entry(long Id, long UnixSeconds, long Micros, byte[][] Args, string Client, string Name);

    private readonly Lock _lock = new();
    private readonly LinkedList<Entry> _entries = new(); // newest first
    private long _nextId;

    /// <summary>Microseconds; negative turns the log off (CONFIG SET slowlog-log-slower-than).</summary>
    public long ThresholdMicros { get; set; } = 10_000;

    /// <summary>Entries kept (CONFIG SET slowlog-max-len); older ones fall off.</summary>
    public int MaxLength
    {
        get => _maxLength;
        set
        {
            _maxLength = value;
            lock (_lock) Trim();
        }
    }
    private int _maxLength = 128;

    /// <summary>Whether even fast commands must be timed (threshold 0 logs every command).</summary>
    public bool TimesEveryCommand => ThresholdMicros == 0 && _maxLength > 0;

    public void Configure(Configuration.NodeConfig config)
    {
        ThresholdMicros = config.SlowlogLogSlowerThan;
        MaxLength = config.SlowlogMaxLen;
    }

    public int Length
    {
        get { lock (_lock) return _entries.Count; }
    }

    /// <summary>After a timed command: logs it when it took at least the threshold (EXEC itself never: the
    /// commands it ran are logged one by one, as Redis does).</summary>
    /// <param name="elapsed">How long it ran, in <see cref="Stopwatch"/> ticks.</param>
    public void Consider(long elapsed, RespClient client, CommandArgs args, CommandSpec spec)
    {
        if (spec.Name != "exec" && SlowMicros(elapsed) is { } micros) Add(micros, Arguments(args, spec), client);
    }

    private bool Off => ThresholdMicros < 0 || _maxLength == 0;

    /// <summary>The time in microseconds when the log is on and it reaches the threshold; else null.</summary>
    private long? SlowMicros(long elapsed)
    {
        if (Off) return null;
        long micros = elapsed * 1_000_000 / Stopwatch.Frequency;
        return micros >= ThresholdMicros ? micros : null;
    }

    private void Add(long micros, byte[][] args, RespClient client)
    {
        var entry = new Entry(0, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), micros, args, client.RemoteAddress, client.Name ?? "");
        lock (_lock)
        {
            _entries.AddFirst(entry with { Id = _nextId++ });
            Trim();
        }
    }

    /// <summary>A command that blocked: what the log will need when it is served. Its arguments are copied now, as
    /// the input they point into is released while it waits. Null when the log is off.</summary>
    public Held? Hold(long elapsed, CommandArgs args, CommandSpec spec) => Off ? null : new Held(elapsed, Arguments(args, spec));

    public sealed record Held(long Elapsed, byte[][] Args);

    /// <summary>A held command was served: logged as <see cref="Consider"/> would have, its reply's time added.</summary>
    public void Served(Held held, long replyElapsed, RespClient client)
    {
        if (SlowMicros(held.Elapsed + replyElapsed) is { } micros) Add(micros, held.Args, client);
    }

    /// <summary>The newest <paramref name="count"/> entries (all of them when negative).</summary>
    public Entry[] Newest(long count)
    {
        lock (_lock) return (count < 0 ? _entries : _entries.Take((int)Math.Min(count, int.MaxValue))).ToArray();
    }

    public void Reset()
    {
        lock (_lock) _entries.Clear();
    }

    private void Trim()
    {
        while (_entries.Count > Math.Max(0, _maxLength)) _entries.RemoveLast();
    }

    private static byte[][] Arguments(CommandArgs args, CommandSpec spec)
    {
        int kept = Math.Min(args.Count, MaxArgs);
        var result = new byte[kept][];
        for (int i = 0; i < kept; i++)
        {
            if (i == MaxArgs - 1 && args.Count > MaxArgs)
                result[i] = Encoding.ASCII.GetBytes($"... ({args.Count - MaxArgs + 1} more arguments)");
            else if (MonitorFeed.Redacted(spec, args, i))
                result[i] = "(redacted)"u8.ToArray();
            else if (args[i].Length > MaxArgBytes)
                result[i] = [.. args[i][..MaxArgBytes], .. Encoding.ASCII.GetBytes($"... ({args[i].Length - MaxArgBytes} more bytes)")];
            else
                result[i] = args[i].ToArray();
        }
        return result;
    }
}
