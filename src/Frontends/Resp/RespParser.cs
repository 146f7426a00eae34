using System.Buffers;
using System.Buffers.Text;

namespace HyperCache.Frontends.Resp;

public enum ParseStatus { Complete, Incomplete, Empty, Error }

/// <summary>
/// Redis request parsing: RESP multibulk (`*N\r\n$len\r\n...`) and inline commands (`PING\r\n`), with Redis's
/// protocol errors. <see cref="TryParse"/> reads a contiguous buffer without copying; <see cref="Measure"/> finds the
/// length of a command spread over several buffer segments, resuming where it stopped, so a large argument
/// arriving in many reads is scanned once, not once per read.
/// </summary>
public sealed class RespParser(RespLimits limits)
{
    private byte[] _inlineScratch = new byte[256];

    // Incremental state of Measure for the command at the head of the input.
    private long _measuredBytes;
    private long _measureRemaining = -1;

    public void ResetMeasure()
    {
        _measuredBytes = 0;
        _measureRemaining = -1;
    }

    public ParseStatus TryParse(ReadOnlyMemory<byte> input, CommandArgs args, out int consumed, out string? error)
    {
        consumed = 0;
        error = null;
        var span = input.Span;
        if (span.IsEmpty) return ParseStatus.Incomplete;
        if (span[0] != '*') return TryParseInline(span, args, out consumed, out error);

        int cr = span.IndexOf((byte)'\r');
        if (cr < 0 || cr + 1 >= span.Length)
            return Overlong(span.Length, "too big mbulk count string", out error);
        if (!TryParseLength(span[1..cr], out long count) || count > int.MaxValue)
            return Fail("invalid multibulk length", out error);
        int pos = cr + 2;
        if (count <= 0)
        {
            consumed = pos;
            return ParseStatus.Empty;
        }
        if (count > limits.MaxMultiBulkLength) return Fail("invalid multibulk length", out error);
        args.Reset(input);
        for (long i = 0; i < count; i++)
        {
            if (pos >= span.Length) return ParseStatus.Incomplete;
            if (span[pos] != '$') return Fail($"expected '$', got '{(char)span[pos]}'", out error);
            int lineEnd = span[pos..].IndexOf((byte)'\r');
            if (lineEnd < 0 || pos + lineEnd + 1 >= span.Length)
                return Overlong(span.Length - pos, "too big bulk count string", out error);
            if (!TryParseLength(span.Slice(pos + 1, lineEnd - 1), out long length) || length < 0 || length > limits.MaxBulkLength)
                return Fail("invalid bulk length", out error);
            pos += lineEnd + 2;
            if (pos + length + 2 > span.Length) return ParseStatus.Incomplete;
            args.Add(pos, (int)length);
            pos += (int)length + 2;
        }
        consumed = pos;
        return ParseStatus.Complete;
    }

    private ParseStatus Overlong(long available, string what, out string? error)
    {
        if (available > limits.MaxInlineLength) return Fail(what, out error);
        error = null;
        return ParseStatus.Incomplete;
    }

    private static ParseStatus Fail(string message, out string? error)
    {
        error = "ERR Protocol error: " + message;
        return ParseStatus.Error;
    }

    /// <summary>Redis's string2ll rules for lengths: optional '-', digits, no '+', no spaces.</summary>
    private static bool TryParseLength(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text[0] == '+' || text.Length > 20) return false;
        return Utf8Parser.TryParse(text, out value, out int used) && used == text.Length;
    }

    /// <summary>An inline command: one line split as Redis splits it (<see cref="RedisArgs"/>: blanks, quotes, escapes).</summary>
    private ParseStatus TryParseInline(ReadOnlySpan<byte> span, CommandArgs args, out int consumed, out string? error)
    {
        consumed = 0;
        error = null;
        int newline = span.IndexOf((byte)'\n');
        if (newline < 0) return Overlong(span.Length, "too big inline request", out error);
        var line = span[..newline];
        if (!line.IsEmpty && line[^1] == '\r') line = line[..^1];
        consumed = newline + 1;
        if (_inlineScratch.Length < line.Length) _inlineScratch = new byte[line.Length * 2];
        args.Reset(_inlineScratch);
        if (!RedisArgs.TrySplit(line, _inlineScratch, args)) return Fail("unbalanced quotes in request", out error);
        return args.Count == 0 ? ParseStatus.Empty : ParseStatus.Complete;
    }

    /// <summary>
    /// The byte length of the complete command at the head of <paramref name="input"/>, or Incomplete. Keeps its
    /// place between calls (until <see cref="ResetMeasure"/>), so each byte of a large command is looked at once.
    /// </summary>
    public ParseStatus Measure(ReadOnlySequence<byte> input, out long length, out string? error)
    {
        length = 0;
        error = null;
        var reader = new SequenceReader<byte>(input);
        reader.Advance(_measuredBytes);
        if (_measureRemaining < 0)
        {
            if (input.FirstSpan[0] != '*')
            {
                if (!reader.TryAdvanceTo((byte)'\n')) return Overlong(input.Length, "too big inline request", out error);
                length = reader.Consumed;
                return ParseStatus.Complete;
            }
            if (!TryReadLine(ref reader, out long count, "too big mbulk count string", out error, out var status)) return status;
            if (count > limits.MaxMultiBulkLength || count > int.MaxValue) return Fail("invalid multibulk length", out error);
            _measureRemaining = Math.Max(count, 0);
            _measuredBytes = reader.Consumed;
        }
        while (_measureRemaining > 0)
        {
            if (!reader.TryPeek(out byte type)) return ParseStatus.Incomplete;
            if (type != '$') return Fail($"expected '$', got '{(char)type}'", out error);
            if (!TryReadLine(ref reader, out long bulk, "too big bulk count string", out error, out var status)) return status;
            if (bulk < 0 || bulk > limits.MaxBulkLength) return Fail("invalid bulk length", out error);
            if (reader.Remaining < bulk + 2) return ParseStatus.Incomplete;
            reader.Advance(bulk + 2);
            _measureRemaining--;
            _measuredBytes = reader.Consumed;
        }
        length = _measuredBytes;
        return ParseStatus.Complete;
    }

    /// <summary>Reads "Xdigits\r\n" (X = '*' or '$'); false with Incomplete or Error status when it cannot.</summary>
    private bool TryReadLine(ref SequenceReader<byte> reader, out long value, string tooBig, out string? error, out ParseStatus status)
    {
        value = 0;
        error = null;
        status = ParseStatus.Incomplete;
        var start = reader;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\r', advancePastDelimiter: true) || reader.Remaining < 1)
        {
            if (start.Remaining > limits.MaxInlineLength) status = Fail(tooBig, out error);
            reader = start;
            return false;
        }
        reader.Advance(1); // '\n'
        Span<byte> digits = stackalloc byte[24];
        if (line.Length < 1 || line.Length > digits.Length + 1)
        {
            status = Fail(tooBig.StartsWith("too big m") ? "invalid multibulk length" : "invalid bulk length", out error);
            return false;
        }
        line.Slice(1).CopyTo(digits);
        if (!TryParseLength(digits[..(int)(line.Length - 1)], out value))
        {
            status = Fail(tooBig.StartsWith("too big m") ? "invalid multibulk length" : "invalid bulk length", out error);
            return false;
        }
        return true;
    }
}
