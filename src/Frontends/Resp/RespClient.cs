using System.Text;
using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>CLIENT REPLY: Off drops every reply until ON; SkipNext (set by SKIP) becomes Skip for the next command.</summary>
[Flags]
public enum ReplyMode { On = 0, Off = 1, SkipNext = 2, Skip = 4 }

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
    /// <summary>2, or 3 after HELLO 3; the writer shapes maps, sets, nulls and pushes by it.</summary>
    public int Protocol { get => Writer.Protocol; set => Writer.Protocol = value; }
    /// <summary>False until AUTH succeeds, when the default user needs a password or is off (connections made before
    /// it needed one stay in, as in Redis).</summary>
    public bool Authenticated { get; set; } = node.Acl.Default.Rules is { NoPass: true, Enabled: true };
    /// <summary>The ACL user this connection runs as: default until AUTH or HELLO AUTH names another.</summary>
    public Acl.AclUser User { get; set; } = node.Acl.Default;
    /// <summary>Between MULTI and EXEC/DISCARD: the queued commands.</summary>
    public Transaction? Transaction { get; set; }
    /// <summary>While EXEC runs this client's queued commands (a blocking command must not block then).</summary>
    public bool InExec { get; set; }

    /// <summary>The scripting engine's client, which runs redis.call (Redis's CLIENT_SCRIPT): a few commands act
    /// differently there (XREAD BLOCK refused, SORT of a set without an order sorted).</summary>
    public bool IsScript { get; init; }

    /// <summary>Work a command inside EXEC leaves for when the transaction has let its shard locks go (before EXEC's
    /// reply is sent): see <see cref="Commands.ReplicationCommands"/>'s role changes.</summary>
    public Action? AfterExec { get; set; }
    /// <summary>Channels and patterns, once the client has subscribed to something.</summary>
    public ClientSubscriptions? Subscriptions { get; set; }
    /// <summary>CLIENT TRACKING's settings while it is on (set and cleared by <see cref="Tracking.TrackingHub"/>).</summary>
    public Tracking.ClientTracking? Tracking { get; set; }
    /// <summary>Serializes this connection's own replies with pub/sub messages written from publishers' threads.</summary>
    public ClientOutput Output { get; } = new(node.Traffic);

    /// <summary>Commands run on this connection, for sampling which ones are timed (CommandDispatcher).</summary>
    public uint MeterTicks;
    /// <summary>While one of this client's commands runs past the connection gate: that command's number (never 0);
    /// otherwise 0. A pause waits for the commands it sees running (<see cref="ClientPause"/>'s drain).</summary>
    public int RunningCommand;
    private int _commandNumber;

    /// <summary>The dispatcher, before the gate reads whether a pause is in force: a plain write, which the pause's
    /// process-wide barrier orders against its own write of the pause (see <see cref="ClientPause"/>).</summary>
    internal void BeginCommand()
    {
        int number = ++_commandNumber;
        if (number == 0) number = _commandNumber = 1;
        Volatile.Write(ref RunningCommand, number);
    }

    internal void EndCommand() => Volatile.Write(ref RunningCommand, 0);
    /// <summary>Whether the dispatcher must look at <see cref="ConnectionGate"/> before running a command: a user
    /// whose rules do not allow everything is checked there, so the default user costs no more than this test.</summary>
    public bool Gated => !Authenticated || !User.Rules.AllowsAll || Transaction != null || (Protocol == 2 && Subscriptions is { Active: true }) || Monitoring || Node.GatesWrites || Node.Pause.Active;
    /// <summary>After MONITOR (until RESET or the connection ends): it receives every command run on the node.</summary>
    public bool Monitoring { get; set; }
    /// <summary>Set by QUIT or a protocol error: reply, flush, then close.</summary>
    public bool CloseAfterReply { get; set; }

    /// <summary>REPLCONF rdb-filter-only functions (redis-cli --functions-rdb): this connection's SYNC sends the
    /// function libraries alone.</summary>
    public bool RdbFunctionsOnly { get; set; }
    public Action? Kill { get; set; }
    /// <summary>Set by a blocking command (BLPOP...) that must wait: the connection stops its batch until it ends.</summary>
    public BlockedCommand? Blocked { get; set; }
    /// <summary>Set with <see cref="Blocked"/> when CLIENT PAUSE holds the command back: it was not run, so the
    /// connection leaves it unread and parses it again once the pause is over.</summary>
    public bool Postponed { get; set; }
    /// <summary>The blocking command this connection waits on now (CLIENT UNBLOCK ends it; CLIENT LIST shows 'b').</summary>
    public BlockedCommand? Waiting { get; set; }
    /// <summary>CLIENT REPLY's state (0: every reply is sent); the dispatcher applies it per command.</summary>
    public ReplyMode Replies { get; set; }
    /// <summary>CLIENT NO-EVICT: recorded and shown ('e'); HyperCache never evicts clients.</summary>
    public bool NoEvict { get; set; }

    public Store Store => Node.Store;

    /// <summary>Input received and not yet consumed, the running command's included (CLIENT LIST's qbuf): set by the
    /// connection before each command and when it stops parsing a batch.</summary>
    public long QueryBuffered;

    /// <summary>The line CLIENT LIST / CLIENT INFO print, with Redis's field names. The buffers: qbuf (above),
    /// argv-mem (the running command's arguments, for the client that asks; Redis frees them between commands),
    /// omem (<see cref="ClientOutput.Unsent"/>), tot-mem their sum; the read buffer's fields (qbuf-free, rbs, rbp)
    /// and obl/oll are Redis's own structures, 0 here (input lies in the transport's pipe segments).</summary>
    public string InfoLine(bool asker = false)
    {
        long now = Environment.TickCount64;
        long queryBuffered = Volatile.Read(ref QueryBuffered), arguments = asker ? Args.TotalBytes() : 0, output = Output.Unsent;
        return new StringBuilder()
            .Append("id=").Append(Id)
            .Append(" addr=").Append(RemoteAddress)
            .Append(" laddr=").Append(LocalAddress)
            .Append(" fd=0 name=").Append(Name ?? "")
            .Append(" age=").Append((now - ConnectedAtMs) / 1000)
            .Append(" idle=").Append((now - LastCommandAtMs) / 1000)
            .Append(" flags=").Append(Flags()).Append(" db=").Append(Session.Db)
            .Append(" sub=").Append(Subscriptions?.Channels.Count ?? 0)
            .Append(" psub=").Append(Subscriptions?.Patterns.Count ?? 0)
            .Append(" ssub=").Append(Subscriptions?.ShardChannels.Count ?? 0)
            .Append(" multi=").Append(Transaction?.Count ?? -1)
            .Append(" qbuf=").Append(queryBuffered).Append(" qbuf-free=0 argv-mem=").Append(arguments)
            .Append(" multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=").Append(output)
            .Append(" tot-mem=").Append(queryBuffered + arguments + output).Append(" events=r")
            .Append(" cmd=").Append(LastCommand)
            .Append(" user=").Append(User.Name).Append(" redir=").Append(Tracking?.Redirect ?? -1).Append(" resp=").Append(Protocol)
            .ToString();
    }

    /// <summary>Redis's flag letters, in its order: P pub/sub, x MULTI, b blocked (or paused), t tracking (R its redirect broken, B broadcast), e no-evict; N none.</summary>
    private string Flags()
    {
        string flags = (Subscriptions is { Active: true } ? "P" : "") + (Transaction != null ? "x" : "") + (Waiting != null ? "b" : "")
            + (Tracking is { } t ? "t" + (t.BrokenRedirect ? "R" : "") + (t.Bcast ? "B" : "") : "") + (NoEvict ? "e" : "");
        return flags.Length == 0 ? "N" : flags;
    }

    /// <summary>The connection closed: drop its watches and subscriptions, stop pending deliveries.</summary>
    public void Closed()
    {
        Store.Unwatch(Session);
        if (Tracking != null) Node.Tracking.Disable(this);
        Node.PubSub.UnsubscribeAll(this);
        if (Monitoring) Node.Monitors.Remove(this);
        Output.Close();
    }
}
