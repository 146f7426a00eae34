using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest common subsequence of two strings, by the
/// classic O(n*m) table, walked back from the end so the string, the matches and their order are Redis's. The table
/// is refused, as Redis refuses it, when its bytes would exceed proto-max-bulk-len, so one request cannot make the
/// node allocate without bound. The strings are copied under their locks; the table is built with no lock held.
/// </summary>
public static class LcsCommand
{
    public static void Register(CommandTable t) => t.Add("lcs", -3, CommandFlags.ReadOnly, Lcs, 1, 2, 1);

    private static void Lcs(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!c.Store.TryGetStringPair(c.Session, a[1], a[2], out var x, out var y))
            throw new CommandError("ERR The specified keys must contain string values");
        x ??= [];
        y ??= [];
        bool len = false, idx = false, withMatchLen = false;
        long minMatchLen = 0;
        for (int i = 3; i < a.Count; i++)
        {
            if (a.Is(i, "IDX"u8)) idx = true;
            else if (a.Is(i, "LEN"u8)) len = true;
            else if (a.Is(i, "WITHMATCHLEN"u8)) withMatchLen = true;
            else if (a.Is(i, "MINMATCHLEN"u8) && i + 1 < a.Count) minMatchLen = Math.Max(0, ArgParse.Int64(a[++i]));
            else throw CommandError.Syntax();
        }
        if (idx && len) throw new CommandError("ERR If you want both the length and indexes, please just use IDX.");

        long cells = (long)(x.Length + 1) * (y.Length + 1);
        if (cells * sizeof(uint) > c.Node.Config.ProtoMaxBulkLen)
            throw new CommandError("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        if (cells > Array.MaxLength) throw FailedAllocating();

        if (len && !idx)
        {
            r.Integer(LengthOnly(x, y)); // two rows suffice when nothing is walked back
            return;
        }
        uint[] table;
        try
        {
            table = GC.AllocateUninitializedArray<uint>((int)cells);
        }
        catch (OutOfMemoryException)
        {
            throw FailedAllocating();
        }
        Fill(x, y, table);
        WalkBack(x, y, table, idx, withMatchLen, minMatchLen, r);
    }

    private static CommandError FailedAllocating() => new("ERR Insufficient memory, failed allocating transient memory for LCS");

    /// <summary>table[i * (|y|+1) + j] = LCS length of x[..i] and y[..j].</summary>
    private static void Fill(byte[] x, byte[] y, uint[] table)
    {
        int width = y.Length + 1;
        Array.Clear(table, 0, width);
        for (int i = 1; i <= x.Length; i++)
        {
            int row = i * width, above = row - width;
            table[row] = 0;
            byte xi = x[i - 1];
            for (int j = 1; j < width; j++)
                table[row + j] = xi == y[j - 1] ? table[above + j - 1] + 1 : Math.Max(table[above + j], table[row + j - 1]);
        }
    }

    private static long LengthOnly(byte[] x, byte[] y)
    {
        var previous = new uint[y.Length + 1];
        var current = new uint[y.Length + 1];
        for (int i = 1; i <= x.Length; i++)
        {
            byte xi = x[i - 1];
            for (int j = 1; j <= y.Length; j++)
                current[j] = xi == y[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            (previous, current) = (current, previous);
        }
        return previous[y.Length];
    }

    /// <summary>From the table's far corner back to an edge: on equal bytes take the byte (diagonal), else step
    /// toward the larger neighbour, preferring to drop a byte of <paramref name="y"/> on a tie, as Redis does.
    /// A run of diagonal steps is one match, reported (IDX) when the walk leaves it, last match first.</summary>
    private static void WalkBack(byte[] x, byte[] y, uint[] table, bool idx, bool withMatchLen, long minMatchLen, RespWriter r)
    {
        int width = y.Length + 1;
        uint total = table[x.Length * width + y.Length];
        var result = idx ? null : new byte[total];
        var matches = idx ? new List<(int AStart, int AEnd, int BStart, int BEnd)>() : null;
        int k = (int)total, i = x.Length, j = y.Length;
        int aStart = -1, aEnd = 0, bStart = 0, bEnd = 0; // aStart -1: no match open
        while (i > 0 && j > 0)
        {
            bool close = false;
            if (x[i - 1] == y[j - 1])
            {
                if (result is not null) result[k - 1] = x[i - 1];
                if (aStart < 0) { aStart = aEnd = i - 1; bStart = bEnd = j - 1; }
                else if (aStart == i && bStart == j) { aStart--; bStart--; }
                else close = true;
                if (aStart == 0 || bStart == 0) close = true; // the walk ends on this byte
                k--; i--; j--;
            }
            else
            {
                if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
                else j--;
                if (aStart >= 0) close = true;
            }
            if (close)
            {
                if (matches is not null && (minMatchLen == 0 || aEnd - aStart + 1 >= minMatchLen))
                    matches.Add((aStart, aEnd, bStart, bEnd));
                aStart = -1;
            }
        }

        if (result is not null)
        {
            r.Bulk(result);
            return;
        }
        r.MapHeader(2);
        r.Bulk("matches"u8);
        r.ArrayHeader(matches!.Count);
        foreach (var m in matches)
        {
            r.ArrayHeader(withMatchLen ? 3 : 2);
            r.ArrayHeader(2);
            r.Integer(m.AStart);
            r.Integer(m.AEnd);
            r.ArrayHeader(2);
            r.Integer(m.BStart);
            r.Integer(m.BEnd);
            if (withMatchLen) r.Integer(m.AEnd - m.AStart + 1);
        }
        r.Bulk("len"u8);
        r.Integer(total);
    }
}
