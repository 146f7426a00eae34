using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// CLIENT KILL as Redis 7.0 has it. The old form, <c>CLIENT KILL addr:port</c>, answers OK or "No such client" and
/// may kill the caller. The new form takes filters (ID, TYPE, USER, ADDR, LADDR, SKIPME yes|no), kills every
/// client matching all of them, except the caller unless SKIPME no, and answers how many. A killed caller gets its
/// reply first (Redis closes it after the reply).
/// </summary>
internal static class ClientKill
{
    public static void Run(RespClient c, CommandArgs a, RespWriter r)
    {
        long id = 0;
        Acl.AclUser? user = null;
        string? type = null, address = null, localAddress = null;
        bool skipMe = true;
        if (a.Count == 3)
        {
            address = a.Text(2);
            skipMe = false;
        }
        else
        {
            for (int i = 2; i < a.Count; i += 2)
            {
                if (i + 1 >= a.Count) throw CommandError.Syntax();
                string value = a.Text(i + 1);
                switch (a.Text(i).ToLowerInvariant())
                {
                    case "id":
                        if (!long.TryParse(value, out id) || id < 1) throw new CommandError("ERR client-id should be greater than 0");
                        break;
                    case "type":
                        type = ParseType(value);
                        break;
                    case "user":
                        user = c.Node.Acl.Find(value) ?? throw new CommandError($"ERR No such user '{value}'");
                        break;
                    case "addr": address = value; break;
                    case "laddr": localAddress = value; break;
                    case "skipme":
                        skipMe = value.ToLowerInvariant() switch { "yes" => true, "no" => false, _ => throw CommandError.Syntax() };
                        break;
                    default:
                        throw CommandError.Syntax();
                }
            }
        }

        int killed = 0;
        foreach (var client in c.Node.Clients.All)
        {
            if (address != null && client.RemoteAddress != address) continue;
            if (localAddress != null && client.LocalAddress != localAddress) continue;
            if (id != 0 && client.Id != id) continue;
            if (type != null && TypeOf(client) != type) continue;
            if (user != null && client.User != user) continue;
            if (client == c && skipMe) continue;
            if (client == c) c.CloseAfterReply = true;
            else client.Kill?.Invoke();
            killed++;
        }
        if (a.Count != 3) r.Integer(killed);
        else if (killed == 0) throw new CommandError("ERR No such client");
        else r.Ok();
    }

    /// <summary>A TYPE filter's value (CLIENT KILL and CLIENT LIST), slave as replica; Redis's error otherwise.</summary>
    internal static string ParseType(string value) => value.ToLowerInvariant() switch
    {
        "normal" or "pubsub" or "master" => value.ToLowerInvariant(),
        "slave" or "replica" => "replica",
        _ => throw new CommandError($"ERR Unknown client type '{value}'"),
    };

    /// <summary>Redis's client types: replicas stream over gRPC here, so RESP clients are normal or pubsub.</summary>
    internal static string TypeOf(RespClient client) => client.Subscriptions is { Active: true } ? "pubsub" : "normal";
}
