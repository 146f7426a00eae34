namespace HyperCache.Frontends.Resp.Tracking;

/// <summary>
/// An invalidation as its receiver gets it: a RESP3 push <c>["invalidate", keys]</c>, or for a RESP2 redirect client
/// in pub/sub mode a message on <c>__redis__:invalidate</c> whose payload is the array of keys. Null keys: a flush,
/// every cached key is gone.
/// </summary>
public sealed class InvalidationMessage(byte[][]? keys) : IPushMessage
{
    public static readonly byte[] Channel = "__redis__:invalidate"u8.ToArray();

    private static readonly InvalidationMessage FlushResp2 = new(null) { _nullOfResp2Tracker = true }, FlushResp3 = new(null);

    /// <summary>Redis writes a flush's null in the protocol of the tracking client, even to a redirect client that
    /// speaks the other one ("$-1" from a RESP2 tracker, "_" from a RESP3 one).</summary>
    private bool _nullOfResp2Tracker;

    public static InvalidationMessage Flush(int trackerProtocol) => trackerProtocol == 3 ? FlushResp3 : FlushResp2;

    public long Size
    {
        get
        {
            long size = 64;
            if (keys != null) foreach (var key in keys) size += key.Length + 16;
            return size;
        }
    }

    public void WriteTo(RespWriter writer)
    {
        if (writer.Protocol == 3)
        {
            writer.PushHeader(2);
            writer.Bulk("invalidate"u8);
        }
        else
        {
            writer.ArrayHeader(3);
            writer.Bulk("message"u8);
            writer.Bulk(Channel);
        }
        if (keys is null)
        {
            writer.Preformatted(_nullOfResp2Tracker ? "$-1\r\n"u8 : "_\r\n"u8);
            return;
        }
        writer.ArrayHeader(keys.Length);
        foreach (var key in keys) writer.Bulk(key);
    }
}

/// <summary>RESP3 push to a tracking client whose redirect client is gone: <c>["tracking-redir-broken", id]</c>.</summary>
public sealed class RedirectBrokenMessage(long redirect) : IPushMessage
{
    public long Size => 64;

    public void WriteTo(RespWriter writer)
    {
        writer.PushHeader(2);
        writer.Bulk("tracking-redir-broken"u8);
        writer.Integer(redirect);
    }
}
