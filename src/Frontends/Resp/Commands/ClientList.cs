using System.Globalization;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>CLIENT LIST [TYPE normal|master|replica|pubsub] | [ID id [id ...]], as Redis 7.0 parses it: one filter
/// or none, an unknown type or a non-integer ID refused.</summary>
internal static class ClientList
{
    public static void Run(RespClient c, CommandArgs a, RespWriter r)
    {
        Func<RespClient, bool> keep = _ => true;
        if (a.Count == 4 && a.Is(2, "TYPE"u8))
        {
            string type = ClientKill.ParseType(a.Text(3));
            keep = client => ClientKill.TypeOf(client) == type;
        }
        else if (a.Count > 3 && a.Is(2, "ID"u8))
        {
            var ids = new HashSet<long>();
            for (int i = 3; i < a.Count; i++)
                ids.Add(long.TryParse(a.Text(i), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long id)
                    ? id : throw new CommandError("ERR Invalid client ID"));
            keep = client => ids.Contains(client.Id);
        }
        else if (a.Count != 2) throw CommandError.Syntax();
        r.Verbatim(string.Concat(c.Node.Clients.All.Where(keep).Select(x => x.InfoLine(asker: x == c) + "\n")));
    }
}
