using System.Buffers;
using MessagePack;

namespace HyperCache.StateMachine.Events;

/// <summary>Reads the binary fields of an event body without copying (bodies are always one contiguous block).</summary>
public static class EventReading
{
    public static ReadOnlySpan<byte> ReadSpan(ref MessagePackReader reader)
    {
        var bytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("null where bytes were expected");
        return bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray();
    }
}
