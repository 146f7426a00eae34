namespace HyperCache.StateMachine.Dump;

/// <summary>
/// FUNCTION DUMP / RESTORE payloads as Redis 7.0 writes them, so libraries move between redis-server and HyperCache
/// either way: each library as RDB's function opcode followed by its code as an RDB string, then DUMP's footer
/// (RDB version, CRC-64). The code carries the library's name in its first line.
/// </summary>
public static class FunctionPayload
{
    private const byte FunctionOpcode = 245; // RDB_OPCODE_FUNCTION2 (7.0 GA)
    public const string NotAFunction = "ERR given type is not a function";
    public const string Unreadable = "ERR Failed loading library payload";

    public static byte[] Encode(IEnumerable<byte[]> codes)
    {
        var writer = new RdbWriter(256);
        foreach (var code in codes)
        {
            writer.Byte(FunctionOpcode);
            writer.String(code);
        }
        return writer.Finish();
    }

    /// <summary>The libraries' code; throws <see cref="DumpFormatException"/> with Redis's error for a bad footer,
    /// something other than a library, or a library that cannot be read.</summary>
    public static List<byte[]> Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new RdbReader(DumpDecoder.VerifyFooter(payload));
        var codes = new List<byte[]>();
        while (reader.Remaining > 0)
        {
            if (reader.ReadByte() != FunctionOpcode) throw new DumpFormatException(NotAFunction);
            try
            {
                codes.Add(reader.ReadString());
            }
            catch (DumpFormatException)
            {
                throw new DumpFormatException(Unreadable);
            }
        }
        return codes;
    }
}
