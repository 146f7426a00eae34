using System.Buffers;

namespace HyperCache.Frontends.Resp;

/// <summary>One published message as one subscriber receives it: "message" (channel subscription), "pmessage"
/// (pattern) or "smessage" (shard channel, SPUBLISH). One instance is shared by every receiver of the same PUBLISH
/// through the same channel or pattern, and encodes itself once per protocol: every receiver then gets a copy of
/// the same bytes.</summary>
public sealed class PubSubMessage(byte[]? pattern, byte[] channel, byte[] payload, bool sharded = false) : IPushMessage
{
    private byte[]? _resp2, _resp3; // encoded on first use; two threads may both encode, to the same bytes

    public byte[]? Pattern { get; } = pattern;
    public byte[] Channel { get; } = channel;
    public byte[] Payload { get; } = payload;
    public bool Sharded { get; } = sharded;

    public long Size => Channel.Length + Payload.Length + (Pattern?.Length ?? 0) + 64;

    /// <summary>RESP2: an array; RESP3: a push, so the client can tell it from a reply.</summary>
    public void WriteTo(RespWriter writer)
    {
        var encoded = writer.Protocol == 3 ? _resp3 ??= Encode((byte)'>') : _resp2 ??= Encode((byte)'*');
        writer.Encoded(encoded);
    }

    private byte[] Encode(byte header)
    {
        var output = new ArrayBufferWriter<byte>(Channel.Length + Payload.Length + (Pattern?.Length ?? 0) + 64);
        Prefixed(output, header, Pattern is null ? 3 : 4);
        if (Pattern is null) Bulk(output, Sharded ? "smessage"u8 : "message"u8);
        else
        {
            Bulk(output, "pmessage"u8);
            Bulk(output, Pattern);
        }
        Bulk(output, Channel);
        Bulk(output, Payload);
        return output.WrittenSpan.ToArray();
    }

    private static void Prefixed(ArrayBufferWriter<byte> output, byte prefix, long value)
        => output.Advance(RespWriter.PrefixedLine(output.GetSpan(24), prefix, value));

    private static void Bulk(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        Prefixed(output, (byte)'$', bytes.Length);
        output.Write(bytes);
        output.Write("\r\n"u8);
    }
}
