namespace HyperCache.Frontends.Resp;

/// <summary>One published message as one subscriber receives it: "message" (channel subscription), "pmessage"
/// (pattern) or "smessage" (shard channel, SPUBLISH). The byte arrays are shared by every receiver of the same
/// PUBLISH.</summary>
public sealed record PubSubMessage(byte[]? Pattern, byte[] Channel, byte[] Payload, bool Sharded = false) : IPushMessage
{
    public long Size => Channel.Length + Payload.Length + (Pattern?.Length ?? 0) + 64;

    /// <summary>RESP2: an array; RESP3: a push, so the client can tell it from a reply.</summary>
    public void WriteTo(RespWriter writer)
    {
        if (Pattern is null)
        {
            writer.PushHeader(3);
            writer.Bulk(Sharded ? "smessage"u8 : "message"u8);
        }
        else
        {
            writer.PushHeader(4);
            writer.Bulk("pmessage"u8);
            writer.Bulk(Pattern);
        }
        writer.Bulk(Channel);
        writer.Bulk(Payload);
    }
}
