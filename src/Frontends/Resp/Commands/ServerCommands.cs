using System.Globalization;
using HyperCache.Frontends.Configuration;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>INFO, CONFIG, TIME, database-wide commands, and the few cluster/replication answers a
/// standalone Redis gives so that clients probing for them carry on.</summary>
public static class ServerCommands
{
    /// <summary>Whether CONFIG SET may change the setting of this Redis name while the node runs.</summary>
    internal static bool IsMutable(string redisName) => Mutable.Contains(redisName);

    public static void Register(CommandTable t)
    {
        const CommandFlags W = CommandFlags.Write, A = CommandFlags.Admin;
        t.Add("info", -1, CommandFlags.None, (c, a, r) => r.Verbatim(ServerInfo.Build(c.Node, a)));
        t.Container("config", A,
            new Subcommand("GET", -3, ConfigGet),
            new Subcommand("SET", -4, ConfigSet),
            new Subcommand("RESETSTAT", 2, (c, a, r) =>
            {
                StatsReset.Run(c.Node);
                r.Ok();
            }),
            new Subcommand("REWRITE", 2, ConfigRewriteCommand.Run),
            Subcommand.Help(
                "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
                "RESETSTAT", "    Reset statistics reported by the INFO command.",
                "REWRITE", "    Rewrite the configuration file.",
                "HELP", "    Prints this help."));
        t.Add("time", 1, CommandFlags.Fast, (c, a, r) =>
        {
            long micros = DateTimeOffset.UtcNow.Ticks / 10 - DateTimeOffset.UnixEpoch.Ticks / 10;
            r.ArrayHeader(2);
            r.Bulk((micros / 1_000_000).ToString(CultureInfo.InvariantCulture));
            r.Bulk((micros % 1_000_000).ToString(CultureInfo.InvariantCulture));
        });
        t.Add("dbsize", 1, CommandFlags.ReadOnly | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.DbSize(c.Session.Db)));
        t.Add("flushdb", -1, W, (c, a, r) =>
        {
            FlushMode(a);
            c.Store.FlushDb(c.Session, c.Session.Db);
            r.Ok();
        });
        t.Add("flushall", -1, W, (c, a, r) =>
        {
            FlushMode(a);
            c.Store.FlushAll(c.Session);
            r.Ok();
        });
        t.Add("swapdb", 3, W | CommandFlags.Fast, (c, a, r) =>
        {
            if (!Numbers.TryParseInt64(a[1], out long x)) throw new CommandError("ERR invalid first DB index");
            if (!Numbers.TryParseInt64(a[2], out long y)) throw new CommandError("ERR invalid second DB index");
            if (x < 0 || y < 0 || x >= c.Store.Databases || y >= c.Store.Databases) throw new CommandError("ERR DB index is out of range");
            c.Store.SwapDb(c.Session, (int)x, (int)y);
            r.Ok();
        });
        // Out of cluster mode, as Redis without cluster-enabled: CLUSTER, the cluster client's read routing switches and ASKING.
        const string NoCluster = "ERR This instance has cluster support disabled";
        // CLUSTER's subcommands exist (COMMAND lists them, arity and unknown names are checked, CLUSTER RESET is
        // refused in scripts), each answering that cluster support is off, as Redis's do without cluster-enabled.
        CommandHandler noCluster = (c, a, r) => throw new CommandError(NoCluster);
        Subcommand Cluster(string name, int arity, CommandFlags flags = CommandFlags.None) => new(name, arity, noCluster, Flags: flags);
        const CommandFlags Adm = CommandFlags.Admin;
        t.Container("cluster", CommandFlags.None,
            Cluster("ADDSLOTS", -3, Adm), Cluster("ADDSLOTSRANGE", -4, Adm), Cluster("BUMPEPOCH", 2, Adm),
            Cluster("COUNT-FAILURE-REPORTS", 3, Adm), Cluster("COUNTKEYSINSLOT", 3), Cluster("DELSLOTS", -3, Adm),
            Cluster("DELSLOTSRANGE", -4, Adm), Cluster("FAILOVER", -2, Adm), Cluster("FLUSHSLOTS", 2, Adm),
            Cluster("FORGET", 3, Adm), Cluster("GETKEYSINSLOT", 4), Cluster("HELP", 2), Cluster("INFO", 2),
            Cluster("KEYSLOT", 3), Cluster("LINKS", 2), Cluster("MEET", -4, Adm), Cluster("MYID", 2), Cluster("NODES", 2),
            Cluster("REPLICAS", 3, Adm), Cluster("REPLICATE", 3, Adm), Cluster("RESET", -2, Adm), Cluster("SAVECONFIG", 2, Adm),
            Cluster("SET-CONFIG-EPOCH", 3, Adm), Cluster("SETSLOT", -4, Adm), Cluster("SHARDS", 2), Cluster("SLAVES", 3, Adm),
            Cluster("SLOTS", 2));
        t.Add("readonly", 1, CommandFlags.Fast, (c, a, r) => throw new CommandError(NoCluster));
        t.Add("readwrite", 1, CommandFlags.Fast, (c, a, r) => throw new CommandError(NoCluster));
        t.Add("asking", 1, CommandFlags.Fast, (c, a, r) => throw new CommandError(NoCluster));
        t.Add("role", 1, CommandFlags.Fast, (c, a, r) =>
        {
            r.ArrayHeader(3);
            r.Bulk("master"u8);
            r.Integer(c.Node.Log?.TailAddress ?? 0);
            r.EmptyArray();
        });
        t.Multiplexed("debug", A,
            new Subcommand("DIGEST", 2, (c, a, r) => r.Bulk(c.Store.Digest().ToString("x16", CultureInfo.InvariantCulture))),
            new Subcommand("DIGEST-VALUE", -2, DigestValue),
            new Subcommand("SLEEP", 3, DebugSleep),
            new Subcommand("POPULATE", -2, DebugPopulate), // arity checked there, with DEBUG's own error
            Subcommand.Help(
                "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "DIGEST",
                "    Output a hex signature representing the current DB content (HyperCache's state digest).",
                "DIGEST-VALUE <key> [<key> ...]",
                "    Output a hex signature of the values of all the specified keys (Redis's own digest).",
                "POPULATE <count> [<prefix>] [<size>]",
                "    Create <count> string keys named key:<num>. If <prefix> is specified then",
                "    it is used instead of the 'key' prefix. <size> pads (with zero bytes) or",
                "    cuts the values. Each key is a logged write: replicas get it, restarts keep it.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
                "HELP",
                "    Prints this help."));
    }

    /// <summary>DEBUG DIGEST-VALUE key...: Redis's own digest of each value (status replies of 40 hex digits), equal to
    /// redis-server's for the same value, so data moved between the two can be compared key by key. (DEBUG DIGEST is
    /// HyperCache's state digest, which covers more: stream groups, function libraries.)</summary>
    private static void DigestValue(RespClient c, CommandArgs a, RespWriter r)
    {
        r.ArrayHeader(a.Count - 2);
        for (int i = 2; i < a.Count; i++) r.Simple(Convert.ToHexStringLower(c.Store.RedisDigestValue(c.Session, a[i])));
    }

    /// <summary>DEBUG SLEEP seconds: holds this connection's I/O thread, as Redis holds its one thread (for tests of
    /// slow commands: SLOWLOG, timeouts).</summary>
    private static void DebugSleep(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!Numbers.TryParseDouble(a[2], out double seconds) || double.IsNaN(seconds)) throw new CommandError("ERR value is not a valid float");
        if (seconds > 0) Thread.Sleep(TimeSpan.FromSeconds(Math.Min(seconds, int.MaxValue / 1000.0)));
        r.Ok();
    }

    /// <summary>DEBUG POPULATE count [prefix] [size]: string keys prefix:0 .. prefix:count-1 holding "value:N" (padded
    /// with zero bytes or cut to size when size is given), keys that exist left alone, as Redis's. Redis writes them
    /// past its AOF and its replicas; here each is an ordinary logged SET (the log is the data), so they survive a
    /// restart and reach the replicas, and a replica refuses the command as it refuses any write.</summary>
    private static void DebugPopulate(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count is < 3 or > 5) throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try DEBUG HELP.");
        const string NotPositive = "ERR value is out of range, must be positive";
        if (!Numbers.TryParseInt64(a[2], out long count) || count < 0) throw new CommandError(NotPositive);
        long size = 0;
        if (a.Count == 5 && (!Numbers.TryParseInt64(a[4], out size) || size < 0)) throw new CommandError(NotPositive);
        if (size > Math.Min(c.Node.Config.ProtoMaxBulkLen, Array.MaxLength)) throw new CommandError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        if (c.Node.IsReplica) throw new CommandError("READONLY You can't write against a read only replica.");

        var prefix = a.Count >= 4 ? a[3] : "key"u8;
        var key = new byte[prefix.Length + 21];
        prefix.CopyTo(key);
        key[prefix.Length] = (byte)':';
        var value = new byte[Math.Max(size, 26)];
        "value:"u8.CopyTo(value);
        for (long n = 0; n < count; n++)
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(n, key.AsSpan(prefix.Length + 1), out int keyDigits);
            System.Buffers.Text.Utf8Formatter.TryFormat(n, value.AsSpan(6), out int valueDigits);
            int valueLength = size > 0 ? (int)size : 6 + valueDigits;
            c.Store.Set(c.Session, key.AsSpan(0, prefix.Length + 1 + keyDigits), value.AsSpan(0, valueLength),
                SetCondition.IfNotExists, 0, false, out _);
        }
        r.Ok();
    }

    private static void FlushMode(CommandArgs a)
    {
        if (a.Count > 2 || (a.Count == 2 && !a.Is(1, "ASYNC"u8) && !a.Is(1, "SYNC"u8))) throw CommandError.Syntax();
    }

    private static CommandError SetFailed(string name, string reason) => new($"ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}");

    /// <summary>Reads one CONFIG SET value; a value that does not parse (or overflows) is that parameter's error.</summary>
    private static T Parsed<T>(string name, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw SetFailed(name, "argument couldn't be parsed into an integer");
        }
        catch (ArgumentException e)
        {
            throw SetFailed(name, e.Message);
        }
    }

    private static void Parsed(string name, Action parse) => Parsed(name, () => { parse(); return true; });

    private static List<ConfigLoader.Setting> RedisSettings() => ConfigLoader.Settings.Where(s => s.RedisName != null).ToList();

    private static void ConfigGet(RespClient c, CommandArgs a, RespWriter r)
    {
        var matched = new Dictionary<string, string>();
        for (int i = 2; i < a.Count; i++)
        {
            foreach (var s in RedisSettings())
            {
                if (Glob.Match(a[i], System.Text.Encoding.ASCII.GetBytes(s.RedisName!))) matched[s.RedisName!] = s.Get(c.Node.Config);
                if (s.RedisName == "replicaof" && Glob.Match(a[i], "slaveof"u8)) matched["slaveof"] = s.Get(c.Node.Config); // Redis's old name
            }
            foreach (var p in RedisOnlySettings.All)
                if (Glob.Match(a[i], System.Text.Encoding.ASCII.GetBytes(p.Name))) matched[p.Name] = c.Node.Config.RedisOnlyValue(p);
        }
        r.MapHeader(matched.Count);
        foreach (var (name, value) in matched)
        {
            r.Bulk(name);
            r.Bulk(value);
        }
    }

    /// <summary>CONFIG SET name value [name value ...]: all are checked before any is applied. A setting of ours that
    /// needs a restart takes its current value (a no-op) and refuses another as Redis refuses an immutable one; the
    /// Redis parameters HyperCache has no use for go by <see cref="RedisOnlySettings"/>.</summary>
    private static void ConfigSet(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count % 2 != 0) throw ArgParse.WrongArity("config|set");
        var changes = new List<(ConfigLoader.Setting Setting, string Value)>();
        var others = new List<(RedisOnlySettings.Parameter Parameter, string Value)>();
        for (int i = 2; i < a.Count; i += 2)
        {
            string name = a.Text(i).ToLowerInvariant(), value = a.Text(i + 1);
            if (RedisSettings().FirstOrDefault(s => s.RedisName == (name == "slaveof" ? "replicaof" : name)) is { } setting)
            {
                if (Mutable.Contains(name)) changes.Add((setting, value));
                else if (value != setting.Get(c.Node.Config)) throw SetFailed(name, "can't set immutable config");
                continue;
            }
            var parameter = RedisOnlySettings.Find(name) ?? throw new CommandError($"ERR Unknown option or number of arguments for CONFIG SET - '{name}'");
            others.Add((parameter, Parsed(name, () => RedisOnlySettings.Check(parameter, value))));
        }
        var trial = new NodeConfig();
        foreach (var (setting, value) in changes) Parsed(setting.RedisName!, () => setting.Set(trial, value));
        foreach (var (setting, value) in changes) setting.Set(c.Node.Config, value);
        foreach (var (parameter, value) in others) c.Node.Config.RedisOnly[Configuration.RedisOnlySettings.Canonical(parameter.Name)] = value;
        if (others.Exists(other => other.Parameter.How == Configuration.RedisOnlySettings.Handling.Applied)) Configuration.EncodingSettings.Apply(c.Node.Config);
        if (changes.Exists(change => change.Setting.RedisName == "requirepass")) c.Node.Acl.SetDefaultPassword(c.Node.Config.RequirePass);
        if (c.Node.Log is { } log) log.Durability = c.Node.Config.AppendFsync;
        c.Store.ConfigureMemory(c.Node.Config.MemorySettings());
        c.Node.SlowLog.Configure(c.Node.Config);
        c.Node.Latency.ThresholdMs = c.Node.Config.LatencyMonitorThreshold;
        KeyspaceEventPublisher.Configure(c.Node);
        c.Node.Tracking.Limit(c.Node.Config.TrackingTableMaxKeys);
        r.Ok();
    }

    /// <summary>Settings CONFIG SET may change while running (the others need a restart).</summary>
    private static readonly HashSet<string> Mutable = ["maxclients", "timeout", "appendfsync", "maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity", "hz", "loglevel", "proto-max-bulk-len", "client-query-buffer-limit", "requirepass", "masterauth", "masteruser", "slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold", "notify-keyspace-events", "busy-reply-threshold", "lua-time-limit", "tracking-table-max-keys"];
}
