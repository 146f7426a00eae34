namespace HyperCache.Log.Tests;

/// <summary>Helpers: append text entries, and collect what a scan hands out.</summary>
internal static class LogTestKit
{
    public static long Append(AppendOnlyLog log, string text, byte kind = 1)
    {
        var entry = new byte[EntryHeader.Size + text.Length];
        System.Text.Encoding.ASCII.GetBytes(text, entry.AsSpan(EntryHeader.Size));
        return log.Append(entry, kind);
    }

    public sealed class Collector : IEntryVisitor
    {
        public List<(long Address, byte Kind, ulong Sequence, string Text)> Entries { get; } = [];

        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
            => Entries.Add((address, kind, sequence, System.Text.Encoding.ASCII.GetString(body.Span)));
    }

    /// <summary>Flips one byte of the on-disk segment at a logical address (segment 0 starts at address 0).</summary>
    public static void FlipByte(string logDir, long offset)
    {
        using var file = new FileStream(System.IO.Path.Combine(logDir, "hlog.0"), FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x5A));
    }
}
