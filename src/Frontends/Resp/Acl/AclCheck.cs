using HyperCache.Frontends.Resp.Metadata;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp.Acl;

/// <summary>Why a command was denied (None: it may run).</summary>
public enum AclDenial { None, Command, Key, Channel }

/// <summary>
/// Whether a user's rules let a command line run, in Redis 7.0's order: the command (AUTH, HELLO and the other
/// no-auth commands always may), then each key by the command's key specs (a key it reads needs a pattern that
/// reads, a key it changes one that writes), then the channels of PUBLISH, SPUBLISH, SUBSCRIBE, SSUBSCRIBE and
/// PSUBSCRIBE (a pattern subscribed to must be one of the user's patterns, as written). Only called for users
/// whose rules do not allow everything, so what it allocates is not on the common path.
/// </summary>
public static class AclCheck
{
    public static AclDenial Check(AclRules rules, AclCommandIndex index, CommandSpec spec, CommandArgs args, out int position)
    {
        position = 0;
        if (rules.AllowsAll) return AclDenial.None;
        int id = spec.AclId;
        if (!spec.Flags.HasFlag(CommandFlags.NoAuth) && !rules.MayRun(id)) return AclDenial.Command;
        if (!rules.AllKeys && index.HasKeys(id) && DeniedKey(rules, index, id, args, out position)) return AclDenial.Key;
        if (!rules.AllChannels && DeniedChannel(rules, index[id].Name, args, out position)) return AclDenial.Channel;
        return AclDenial.None;
    }

    private static bool DeniedKey(AclRules rules, AclCommandIndex index, int id, CommandArgs args, out int position)
    {
        position = 0;
        var line = new byte[args.Count][];
        for (int i = 0; i < args.Count; i++) line[i] = args[i].ToArray();
        foreach (var key in KeyFinder.Find(index[id].Name, index.KeySpecsOf(id), line))
        {
            if (KeyAllowed(rules, line[key.Position], key.Flags)) continue;
            position = key.Position;
            return true;
        }
        return false;
    }

    /// <summary>A key the command reads (access) needs read permission; one it inserts, updates or deletes needs
    /// write permission; a key it only looks at (EXISTS, TYPE) is allowed by any matching pattern.</summary>
    public static bool KeyAllowed(AclRules rules, ReadOnlySpan<byte> key, KeyFlags flags)
    {
        if (rules.AllKeys) return true;
        var needed = KeyAccess.None;
        if (flags.HasFlag(KeyFlags.Access)) needed |= KeyAccess.Read;
        if ((flags & (KeyFlags.Insert | KeyFlags.Delete | KeyFlags.Update)) != 0) needed |= KeyAccess.Write;
        foreach (var pattern in rules.Keys)
            if ((pattern.Access & needed) == needed && Glob.Match(pattern.Bytes, key)) return true;
        return false;
    }

    private static bool DeniedChannel(AclRules rules, string command, CommandArgs args, out int position)
    {
        position = 0;
        (int first, int last, bool patterns) = command switch
        {
            "publish" or "spublish" => (1, 1, false),
            "subscribe" or "ssubscribe" => (1, args.Count - 1, false),
            "psubscribe" => (1, args.Count - 1, true),
            _ => (0, -1, false),
        };
        for (int i = first; i <= last; i++)
        {
            if (ChannelAllowed(rules, args[i], patterns)) continue;
            position = i;
            return true;
        }
        return false;
    }

    public static bool ChannelAllowed(AclRules rules, ReadOnlySpan<byte> channel, bool isPattern)
    {
        if (rules.AllChannels) return true;
        foreach (var allowed in rules.Channels)
            if (isPattern ? channel.SequenceEqual(allowed.Bytes) : Glob.Match(allowed.Bytes, channel)) return true;
        return false;
    }

    /// <summary>The error a refused command gets, from the dispatcher or at MULTI's queue time.</summary>
    public static string Error(AclDenial denial, AclCommandIndex index, CommandSpec spec) => denial switch
    {
        AclDenial.Command => $"NOPERM this user has no permissions to run the '{index[spec.AclId].Name}' command",
        AclDenial.Key => "NOPERM this user has no permissions to access one of the keys used as arguments",
        _ => "NOPERM this user has no permissions to access one of the channels used as arguments",
    };

    /// <summary>The error of a queued command EXEC no longer may run (the user's rules changed since MULTI).</summary>
    public static string ExecError(AclDenial denial)
        => "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + denial switch
        {
            AclDenial.Command => "no permission to execute the command or subcommand",
            AclDenial.Key => "no permission to touch the specified keys",
            _ => "no permission to access one of the channels used as arguments",
        };

    /// <summary>redis.call's error for a denied command (the script's name and line are added by the caller).</summary>
    public static string ScriptError(AclDenial denial) => denial switch
    {
        AclDenial.Command => "The user executing the script can't run this command or subcommand",
        AclDenial.Key => "The user executing the script can't access at least one of the keys mentioned in the command arguments",
        _ => "The user executing the script can't publish to the channel mentioned in the command",
    };

    /// <summary>ACL DRYRUN's answer for a denied command.</summary>
    public static string DryRunText(AclDenial denial, AclCommandIndex index, CommandSpec spec, CommandArgs args, int position) => denial switch
    {
        AclDenial.Command => $"This user has no permissions to run the '{index[spec.AclId].Name}' command",
        AclDenial.Key => $"This user has no permissions to access the '{args.Text(position)}' key",
        _ => $"This user has no permissions to access the '{args.Text(position)}' channel",
    };

    /// <summary><see cref="Check"/> for a command about to run as <paramref name="user"/>; a denial is recorded in
    /// ACL LOG with <paramref name="context"/> (toplevel, multi, lua) and <paramref name="client"/>.</summary>
    public static AclDenial CheckLogged(RespClient client, AclUser user, string context, CommandSpec spec, CommandArgs args)
    {
        var denial = Check(user.Rules, client.Node.Acl.Index, spec, args, out int position);
        if (denial != AclDenial.None) Log(client, user, denial, context, spec, args, position);
        return denial;
    }

    /// <summary>Records a denial in ACL LOG: reason, context (toplevel, multi, lua), the object (the command's full
    /// name, the key or the channel), the user and the client.</summary>
    private static void Log(RespClient client, AclUser user, AclDenial denial, string context, CommandSpec spec, CommandArgs args, int position)
    {
        var index = client.Node.Acl.Index;
        var (reason, obj) = denial switch
        {
            AclDenial.Command => ("command", index[spec.AclId].Name),
            AclDenial.Key => ("key", args.Text(position)),
            _ => ("channel", args.Text(position)),
        };
        client.Node.AclLog.Add(reason, context, obj, user.Name, client.InfoLine());
    }

    /// <summary>The dispatcher's check (and MULTI's, at queue time): null when the command may run, else the error
    /// to answer, the denial logged with context toplevel or multi.</summary>
    public static string? Refusal(RespClient client, CommandSpec spec, CommandArgs args)
    {
        var denial = CheckLogged(client, client.User, client.Transaction != null ? "multi" : "toplevel", spec, args);
        return denial == AclDenial.None ? null : Error(denial, client.Node.Acl.Index, spec);
    }
}
