using System.Text;
using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>One RESP connection's state: session (db, last write), name, protocol, and its reusable buffers.</summary>
public sealed class RespClient(long id, Node node, string remote, string local)
{
    public long Id { get; } = id;
    public Node Node { get; } = node;
    public string RemoteAddress { get; } = remote;
    public string LocalAddress { get; } = local;
    public Session Session { get; } = new();
    public CommandArgs Args { get; } = new();
    public RespWriter Writer { get; } = new();
    public long ConnectedAtMs { get; } = Environment.TickCount64;
    public long LastCommandAtMs { get; set; } = Environment.TickCount64;
    public string? Name { get; set; }
    public string LastCommand { get; set; } = "NULL";
    public int Protocol { get; set; } = 2;
    /// <summary>Set by QUIT or a protocol error: reply, flush, then close.</summary>
    public bool CloseAfterReply { get; set; }
    public Action? Kill { get; set; }
    /// <summary>Set by a blocking command (BLPOP...) that must wait: the connection stops its batch until it ends.</summary>
    public BlockedCommand? Blocked { get; set; }

    public Store Store => Node.Store;

    /// <summary>The line CLIENT LIST / CLIENT INFO print, with Redis's field names.</summary>
    public string InfoLine()
    {
        long now = Environment.TickCount64;
        return new StringBuilder()
            .Append("id=").Append(Id)
            .Append(" addr=").Append(RemoteAddress)
            .Append(" laddr=").Append(LocalAddress)
            .Append(" fd=0 name=").Append(Name ?? "")
            .Append(" age=").Append((now - ConnectedAtMs) / 1000)
            .Append(" idle=").Append((now - LastCommandAtMs) / 1000)
            .Append(" flags=N db=").Append(Session.Db)
            .Append(" sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r")
            .Append(" cmd=").Append(LastCommand)
            .Append(" user=default redir=-1 resp=").Append(Protocol)
            .ToString();
    }
}
