using System.Globalization;
using System.Text;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// MONITOR: every command run on the node, after it ran, as one line to each monitoring client, in Redis's format
/// (<c>+1795679580.124391 [0 127.0.0.1:44672] "SET" "k" "v"</c>, arguments escaped as Redis's sdscatrepr does).
/// Admin commands (CONFIG, DEBUG, SHUTDOWN...) are not shown and AUTH's arguments are redacted, as in Redis. With no
/// monitor, a command pays one volatile read; so does each command a script calls (redis.call, redis.pcall).
/// </summary>
public sealed class MonitorFeed
{
    private readonly Lock _lock = new();
    private RespClient[] _monitors = [];

    public bool Active => Volatile.Read(ref _monitors).Length > 0;

    public void Add(RespClient client)
    {
        lock (_lock) if (Array.IndexOf(_monitors, client) < 0) Volatile.Write(ref _monitors, [.. _monitors, client]);
    }

    public void Remove(RespClient client)
    {
        lock (_lock) Volatile.Write(ref _monitors, _monitors.Where(m => m != client).ToArray());
    }

    /// <summary>After <paramref name="spec"/> ran for <paramref name="client"/> with <paramref name="args"/> (a
    /// script's client included: its commands show as <c>[db lua]</c>, the db after the command, as Redis).</summary>
    public void Feed(RespClient client, CommandArgs args, CommandSpec spec)
    {
        if (!spec.Flags.HasFlag(CommandFlags.SkipMonitor)) Write(client, args, spec);
    }

    /// <summary>Before <paramref name="spec"/> runs: a script (EVAL, FCALL...: skip_monitor) is shown as it starts,
    /// whether or not it then fails, so that its line comes before those of the commands it calls, as Redis 7.0.</summary>
    public void FeedBefore(RespClient client, CommandArgs args, CommandSpec spec)
    {
        if (spec.Flags.HasFlag(CommandFlags.SkipMonitor)) Write(client, args, spec);
    }

    private void Write(RespClient client, CommandArgs args, CommandSpec spec)
    {
        var monitors = Volatile.Read(ref _monitors);
        if (monitors.Length == 0 || spec.Flags.HasFlag(CommandFlags.Admin)) return;
        var line = new MonitorLine(Format(client, args, spec));
        foreach (var monitor in monitors) monitor.Output.Deliver(monitor, line);
    }

    private static byte[] Format(RespClient client, CommandArgs args, CommandSpec spec)
    {
        var text = new StringBuilder();
        long micros = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        text.Append((micros / 1_000_000).ToString(CultureInfo.InvariantCulture)).Append('.')
            .Append((micros % 1_000_000).ToString("D6", CultureInfo.InvariantCulture))
            .Append(" [").Append(client.Session.Db.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(client.RemoteAddress).Append(']');
        for (int i = 0; i < args.Count; i++)
        {
            text.Append(' ');
            if (Redacted(spec, args, i)) text.Append("\"(redacted)\"");
            else Repr(text, args[i]);
        }
        return Encoding.Latin1.GetBytes(text.ToString());
    }

    /// <summary>AUTH's password (and user), HELLO's AUTH user and password, MIGRATE's AUTH and AUTH2 arguments.</summary>
    internal static bool Redacted(CommandSpec spec, CommandArgs args, int i)
    {
        if (spec.Name == "auth") return i >= 1;
        if (spec.Name == "migrate") return MigrateSecret(args, i);
        if (spec.Name != "hello" || i < 2) return false;
        return (args.Text(i - 1).Equals("auth", StringComparison.OrdinalIgnoreCase) && i >= 3)
            || (i >= 4 && args.Text(i - 2).Equals("auth", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether argument <paramref name="i"/> of MIGRATE follows AUTH (one) or AUTH2 (two) among the options,
    /// which end at KEYS.</summary>
    private static bool MigrateSecret(CommandArgs args, int i)
    {
        for (int j = 6; j < i; j++)
        {
            if (args.Is(j, "KEYS"u8)) return false;
            int secrets = args.Is(j, "AUTH"u8) ? 1 : args.Is(j, "AUTH2"u8) ? 2 : 0;
            if (i <= j + secrets) return true;
            j += secrets;
        }
        return false;
    }

    /// <summary>Redis's sdscatrepr: quoted, with \\ \" \n \r \t \a \b escaped and other non-printables as \xHH.</summary>
    private static void Repr(StringBuilder text, ReadOnlySpan<byte> value)
    {
        text.Append('"');
        foreach (byte b in value)
        {
            switch (b)
            {
                case (byte)'\\': text.Append("\\\\"); break;
                case (byte)'"': text.Append("\\\""); break;
                case (byte)'\n': text.Append("\\n"); break;
                case (byte)'\r': text.Append("\\r"); break;
                case (byte)'\t': text.Append("\\t"); break;
                case 7: text.Append("\\a"); break;
                case 8: text.Append("\\b"); break;
                default:
                    if (b >= 0x20 && b < 0x7f) text.Append((char)b);
                    else text.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        text.Append('"');
    }

    /// <summary>One line as a monitoring client receives it: a simple string (RESP2 and RESP3 alike, as Redis).</summary>
    private sealed class MonitorLine(byte[] text) : IPushMessage
    {
        public long Size => text.Length + 16;

        public void WriteTo(RespWriter writer) => writer.Simple(text);
    }
}
