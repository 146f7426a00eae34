namespace HyperCache.Frontends.Resp.Acl;

/// <summary>
/// What a change of users does to open connections, as in Redis 7.0: a deleted user's connections are closed; a
/// user whose channel rules no longer cover what one of its connections subscribes to has that connection closed.
/// Turning a user off closes nothing (it only stops new AUTHs). The caller's own connection closes after its reply.
/// </summary>
public static class AclConnections
{
    public static void CloseDeleted(RespClient caller, List<AclUser> removed)
    {
        if (removed.Count == 0) return;
        foreach (var client in caller.Node.Clients.All)
            if (removed.Contains(client.User)) Close(caller, client);
    }

    public static void CloseSubscribersNoLongerAllowed(RespClient caller, AclUser user)
    {
        var rules = user.Rules;
        if (rules.AllChannels) return;
        var hub = caller.Node.PubSub;
        foreach (var client in caller.Node.Clients.All)
        {
            if (client.User != user || client.Subscriptions is not { Active: true }) continue;
            bool allowed = hub.Names(client, SubscriptionKind.Channel).TrueForAll(c => AclCheck.ChannelAllowed(rules, c, isPattern: false))
                && hub.Names(client, SubscriptionKind.Shard).TrueForAll(c => AclCheck.ChannelAllowed(rules, c, isPattern: false))
                && hub.Names(client, SubscriptionKind.Pattern).TrueForAll(p => AclCheck.ChannelAllowed(rules, p, isPattern: true));
            if (!allowed) Close(caller, client);
        }
    }

    private static void Close(RespClient caller, RespClient client)
    {
        if (client == caller) caller.CloseAfterReply = true;
        else client.Kill?.Invoke();
    }
}
