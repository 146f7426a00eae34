using System.Buffers.Text;

namespace HyperCache.StateMachine.Values;

/// <summary>A stream entry's ID, "ms-seq": two unsigned 64-bit parts, ordered by ms then seq, as Redis's streamID.</summary>
public readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    public static readonly StreamId Zero = new(0, 0);
    public static readonly StreamId Max = new(ulong.MaxValue, ulong.MaxValue);

    /// <summary>"18446744073709551615-18446744073709551615" is the longest text.</summary>
    public const int MaxTextLength = 41;

    public int CompareTo(StreamId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    /// <summary>The next ID (Redis's streamIncrID); false for <see cref="Max"/>, which has none.</summary>
    public bool TryNext(out StreamId next)
    {
        bool ok = this != Max; // read before writing next, which may be this very variable (id.TryNext(out id))
        next = Seq != ulong.MaxValue ? new StreamId(Ms, Seq + 1) : Ms != ulong.MaxValue ? new StreamId(Ms + 1, 0) : this;
        return ok;
    }

    /// <summary>The previous ID (streamDecrID); false for <see cref="Zero"/>.</summary>
    public bool TryPrevious(out StreamId previous)
    {
        bool ok = this != Zero;
        previous = Seq != 0 ? new StreamId(Ms, Seq - 1) : Ms != 0 ? new StreamId(Ms - 1, ulong.MaxValue) : this;
        return ok;
    }

    /// <summary>Writes "ms-seq" into <paramref name="destination"/> (at least <see cref="MaxTextLength"/> bytes).</summary>
    public int Format(Span<byte> destination)
    {
        Utf8Formatter.TryFormat(Ms, destination, out int a);
        destination[a] = (byte)'-';
        Utf8Formatter.TryFormat(Seq, destination[(a + 1)..], out int b);
        return a + 1 + b;
    }

    public override string ToString() => $"{Ms}-{Seq}";

    /// <summary>
    /// Redis's streamGenericParseIDOrReply without the "-"/"+" shortcuts: "ms" or "ms-seq", both unsigned decimal
    /// (strtoull rules: no sign, no spaces, no overflow). A missing seq is <paramref name="missingSeq"/>; "ms-*" is
    /// accepted only where <paramref name="allowAutoSeq"/>, and then <paramref name="seqGiven"/> is false.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, ulong missingSeq, bool allowAutoSeq, out StreamId id, out bool seqGiven)
    {
        id = default;
        seqGiven = true;
        if (text.Length > 127) return false; // Redis's buffer
        int dash = text.IndexOf((byte)'-');
        if (dash < 0)
        {
            if (!TryParseUnsigned(text, out ulong onlyMs)) return false;
            id = new StreamId(onlyMs, missingSeq);
            return true;
        }
        if (!TryParseUnsigned(text[..dash], out ulong ms)) return false;
        var rest = text[(dash + 1)..];
        if (allowAutoSeq && rest.Length == 1 && rest[0] == '*')
        {
            id = new StreamId(ms, 0);
            seqGiven = false;
            return true;
        }
        if (!TryParseUnsigned(rest, out ulong seq)) return false;
        id = new StreamId(ms, seq);
        return true;
    }

    private static bool TryParseUnsigned(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty) return false;
        foreach (byte b in digits)
        {
            if (b < '0' || b > '9') return false;
            ulong digit = (ulong)(b - '0');
            if (value > (ulong.MaxValue - digit) / 10) return false;
            value = value * 10 + digit;
        }
        return true;
    }
}

/// <summary>One stream entry: its ID and its field-value pairs, flattened (field, value, field, value...). The
/// arrays are never changed once stored, so readers may keep them after the shard lock is released.</summary>
public readonly record struct StreamEntry(StreamId Id, byte[][] Fields)
{
    /// <summary>The fields of an entry deleted from the stream while still pending in a group: XREADGROUP's history
    /// answers such an entry with its ID and a null array, as Redis does. Compared by reference.</summary>
    public static readonly byte[][] DeletedFields = new byte[0][];

    public bool IsDeleted => ReferenceEquals(Fields, DeletedFields);
}
