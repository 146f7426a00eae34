namespace HyperCache.Frontends.Resp;

/// <summary>Protocol limits, with Redis's defaults.</summary>
public sealed record RespLimits
{
    /// <summary>proto-max-bulk-len: the largest single argument.</summary>
    public long MaxBulkLength { get; init; } = 512L * 1024 * 1024;
    /// <summary>The most arguments one command may have (Redis only caps this at INT_MAX; 8 M is plenty and
    /// keeps a hostile header from promising billions of elements).</summary>
    public int MaxMultiBulkLength { get; init; } = 8 * 1024 * 1024;
    /// <summary>Longest inline command or length line (Redis: PROTO_INLINE_MAX_SIZE).</summary>
    public int MaxInlineLength { get; init; } = 64 * 1024;
    /// <summary>client-query-buffer-limit: unparsed bytes one client may have pending.</summary>
    public long MaxQueryBuffer { get; init; } = 1024L * 1024 * 1024;
}
