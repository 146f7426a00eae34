using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// Writes RESP replies straight into the connection's output pipe; nothing is sent until the connection flushes
/// once for the whole batch of commands it parsed.
/// </summary>
public sealed class RespWriter
{
    private PipeWriter _output = null!;
    private Memory<byte> _chunk;
    private int _used;

    public void Attach(PipeWriter output) => _output = output;

    private PipeWriter? _direct;  // the connection's pipe while replies are held back
    private MemoryStream? _staged;

    private PipeWriter? _unmuted; // the real output while replies are dropped
    private DiscardWriter? _discard;

    /// <summary>CLIENT REPLY OFF/SKIP: while set, replies go nowhere. Pub/sub pushes are written with it cleared.</summary>
    public bool Muted
    {
        get => _unmuted != null;
        set
        {
            if (value == (_unmuted != null)) return;
            Commit();
            if (value)
            {
                _unmuted = _output;
                _output = _discard ??= new DiscardWriter();
            }
            else
            {
                _output = _unmuted!;
                _unmuted = null;
            }
        }
    }

    /// <summary>Holds the replies that follow until <see cref="EndStagingAsync"/> (the sync replication strategy
    /// decides after a batch whether its replies or an error go out).</summary>
    public void BeginStaging()
    {
        bool muted = Muted;
        Muted = false; // staging swaps the real output; muting goes on over the stage
        Commit();
        _staged ??= new MemoryStream();
        _staged.SetLength(0);
        _direct = _output;
        _output = PipeWriter.Create(_staged, new StreamPipeWriterOptions(leaveOpen: true));
        Muted = muted;
    }

    /// <summary>Sends the held replies to the connection (<paramref name="keep"/>) or drops them.</summary>
    public async ValueTask EndStagingAsync(bool keep)
    {
        if (_direct is null) return;
        bool muted = Muted;
        Muted = false;
        Commit();
        await _output.CompleteAsync(); // writes what it buffered into the stream
        _output = _direct;
        _direct = null;
        if (keep) _output.Write(_staged!.GetBuffer().AsSpan(0, (int)_staged.Length));
        if (_staged!.Capacity > 1 << 20) _staged = null; // do not keep a big batch's buffer
        Muted = muted;
    }

    /// <summary>Hands the bytes written so far to the pipe (before a flush).</summary>
    public void Commit()
    {
        if (_used > 0) _output.Advance(_used);
        _chunk = default;
        _used = 0;
    }

    private Span<byte> Reserve(int size)
    {
        if (_chunk.Length - _used < size)
        {
            Commit();
            _chunk = _output.GetMemory(Math.Max(size, 4096));
        }
        return _chunk.Span[_used..];
    }

    private const int LargeChunk = 256 * 1024;
    private const int SmallBulk = 1024;

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 64 * 1024)
        {
            // A large value: straight into the pipe, in segments of up to 256 KB (in 4 KB ones, a 1 MB reply took
            // 256 segments, most freshly allocated, and as many sends). Not one segment of the value's size: the
            // shared pool keeps what it is given back, and would hold a 256 MB array after one big GET.
            Commit();
            while (!bytes.IsEmpty)
            {
                var span = _output.GetSpan(Math.Min(bytes.Length, LargeChunk));
                int n = Math.Min(span.Length, bytes.Length);
                bytes[..n].CopyTo(span);
                _output.Advance(n);
                bytes = bytes[n..];
            }
            return;
        }
        bytes.CopyTo(Reserve(bytes.Length));
        _used += bytes.Length;
    }

    private void Prefixed(byte prefix, long value)
    {
        int written = PrefixedLine(Reserve(24), prefix, value); // first: Reserve may commit, which resets _used
        _used += written;
    }

    /// <summary>Writes a header line (<c>$5\r\n</c>, <c>*3\r\n</c>...) into <paramref name="span"/> (24 bytes hold
    /// any); returns its length.</summary>
    internal static int PrefixedLine(Span<byte> span, byte prefix, long value)
    {
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out int written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        return written + 3;
    }

    /// <summary>Bytes that are already RESP (a published message encoded once for all its receivers).</summary>
    public void Encoded(ReadOnlySpan<byte> resp) => Raw(resp);

    public void Ok() => Raw("+OK\r\n"u8);
    public void Simple(ReadOnlySpan<byte> text) { Raw("+"u8); Raw(text); Raw("\r\n"u8); }
    public void Simple(string text) => Line((byte)'+', text);
    public void Error(string message)
    {
        Errors?.Count(message);
        Line((byte)'-', message);
    }

    /// <summary>Where error replies are counted (INFO errorstats); null counts nothing.</summary>
    public Metrics.ErrorStats? Errors { get; set; }
    public void Integer(long value) => Prefixed((byte)':', value);
    public void ArrayHeader(int count) => Prefixed((byte)'*', count);
    public void NullBulk() => Raw(Protocol == 3 ? "_\r\n"u8 : "$-1\r\n"u8);
    public void NullArray() => Raw(Protocol == 3 ? "_\r\n"u8 : "*-1\r\n"u8);
    public void EmptyArray() => Raw("*0\r\n"u8);
    /// <summary>Bytes already in RESP form (a tracking flush's null, shaped by another client's protocol).</summary>
    public void Preformatted(ReadOnlySpan<byte> resp) => Raw(resp);

    public void Bulk(ReadOnlySpan<byte> value)
    {
        if (value.Length <= SmallBulk)
        {
            // Header, value and end in one reservation: a GET's value, an HGETALL's hundred fields.
            var span = Reserve(value.Length + 16);
            int header = PrefixedLine(span, (byte)'$', value.Length);
            value.CopyTo(span[header..]);
            "\r\n"u8.CopyTo(span[(header + value.Length)..]);
            _used += header + value.Length + 2;
            return;
        }
        Prefixed((byte)'$', value.Length);
        Raw(value);
        Raw("\r\n"u8);
    }

    public void Bulk(byte[]? value)
    {
        if (value is null) NullBulk();
        else Bulk((ReadOnlySpan<byte>)value);
    }

    public void Bulk(string value) => Bulk(Encoding.UTF8.GetBytes(value));

    /// <summary>2 or 3 (HELLO 3): the RESP3 types below fall back to their RESP2 shapes under 2.</summary>
    public int Protocol { get; set; } = 2;

    /// <summary>A map of <paramref name="pairs"/> name/value pairs (RESP2: a flat array of alternating items).</summary>
    public void MapHeader(int pairs)
    {
        if (Protocol == 3) Prefixed((byte)'%', pairs);
        else ArrayHeader(pairs * 2);
    }

    /// <summary>A set reply (SMEMBERS...); RESP2: an array.</summary>
    public void SetHeader(int count) => Prefixed(Protocol == 3 ? (byte)'~' : (byte)'*', count);

    /// <summary>An out-of-band push (pub/sub messages, subscribe confirmations); RESP2: an array.</summary>
    public void PushHeader(int count) => Prefixed(Protocol == 3 ? (byte)'>' : (byte)'*', count);

    /// <summary>A double (ZSCORE... in RESP3); RESP2: a bulk string, same text.</summary>
    public void Double(double value)
    {
        Span<byte> text = stackalloc byte[StateMachine.Values.ScoreText.MaxLength];
        text = text[..StateMachine.Values.ScoreText.Format(value, text)];
        if (Protocol != 3)
        {
            Bulk(text);
            return;
        }
        var span = Reserve(text.Length + 3);
        span[0] = (byte)',';
        text.CopyTo(span[1..]);
        "\r\n"u8.CopyTo(span[(1 + text.Length)..]);
        _used += text.Length + 3;
    }

    /// <summary>A double already written out (GEO's 17-decimal coordinates): RESP2 a bulk string, RESP3 a double.</summary>
    public void Double(string text)
    {
        if (Protocol != 3) Bulk(text);
        else Line((byte)',', text);
    }

    /// <summary>Text meant for people (INFO, CLIENT LIST): RESP3 verbatim string "txt:", RESP2 bulk string.</summary>
    public void Verbatim(string text)
    {
        if (Protocol != 3)
        {
            Bulk(text);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        Prefixed((byte)'=', bytes.Length + 4);
        Raw("txt:"u8);
        Raw(bytes);
        Raw("\r\n"u8);
    }

    /// <summary>Sends what was committed (pub/sub deliveries outside the connection's own loop).</summary>
    public ValueTask<FlushResult> FlushAsync() => (_unmuted ?? _output).FlushAsync();

    /// <summary>Bytes committed to the connection's output and not yet flushed (0 where the pipe cannot tell).</summary>
    public long UnflushedBytes => (_unmuted ?? _output) is { CanGetUnflushedBytes: true } output ? output.UnflushedBytes : 0;

    private void Line(byte prefix, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length) + 3;
        var span = Reserve(max);
        span[0] = prefix;
        int written = Encoding.UTF8.GetBytes(text, span[1..]);
        // A status or error line must stay one line.
        for (int i = 1; i <= written; i++)
            if (span[i] == '\r' || span[i] == '\n') span[i] = (byte)' ';
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        _used += written + 3;
    }
}
