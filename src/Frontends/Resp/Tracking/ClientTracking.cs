namespace HyperCache.Frontends.Resp.Tracking;

/// <summary>
/// One client's CLIENT TRACKING settings, from ON until OFF (then <see cref="RespClient.Tracking"/> is null again).
/// Writers on other threads read them while deciding whom to invalidate; a stale read costs at most one needless
/// or one skipped message around the moment the client changes its own mode, as the client itself races there.
/// </summary>
public sealed class ClientTracking
{
    /// <summary>False once tracking is turned off: the table may still name this client (as Redis's does).</summary>
    public volatile bool Enabled = true;
    public bool Bcast;
    public bool OptIn;
    public bool OptOut;
    public bool NoLoop;
    /// <summary>The client invalidations go to; 0 for the client itself.</summary>
    public long Redirect;
    /// <summary>The redirect client went away (TRACKINGINFO's broken_redirect).</summary>
    public volatile bool BrokenRedirect;
    /// <summary>CLIENT CACHING YES (OPTIN) or NO (OPTOUT) was given for the next command (or transaction).</summary>
    public bool CachingGiven;
    /// <summary>BCAST prefixes, in byte order (as TRACKINGINFO lists them); guarded by the hub's lock.</summary>
    public List<byte[]> Prefixes { get; } = [];

    /// <summary>Whether the keys of a read this client runs now are remembered: default mode always, OPTIN only after
    /// CACHING YES, OPTOUT unless CACHING NO was given.</summary>
    public bool RemembersReads => !Bcast && (OptIn ? CachingGiven : !(OptOut && CachingGiven));
}
