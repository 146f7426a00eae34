using System.Buffers.Text;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>Argument conversions with Redis's error texts.</summary>
public static class ArgParse
{
    public static long Int64(ReadOnlySpan<byte> text)
        => Numbers.TryParseInt64(text, out long value) ? value : throw CommandError.NotInteger();

    public static int Int32(ReadOnlySpan<byte> text)
    {
        long value = Int64(text);
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw CommandError.NotInteger();
    }

    public static double Double(ReadOnlySpan<byte> text)
        => Numbers.TryParseDouble(text, out double value) ? value : throw CommandError.NotFloat();

    public static bool TryUInt64(ReadOnlySpan<byte> text, out ulong value)
        => Utf8Parser.TryParse(text, out value, out int used) && used == text.Length && text.Length > 0 && text[0] != '+';

    public static CommandError WrongArity(string name) => new($"ERR wrong number of arguments for '{name}' command");
}
