using System.Security.Cryptography;

namespace HyperCache.Frontends.Resp.Acl;

/// <summary>What a key pattern lets a command do with the keys it matches: %R~ reads, %W~ writes, ~ both.</summary>
[Flags]
public enum KeyAccess { None = 0, Read = 1, Write = 2, ReadWrite = Read | Write }

/// <summary>RESTORE's payload sanitizing as a user asks for it (shown, not acted on: see docs/decisions.md).</summary>
public enum PayloadSanitizing { Unset, Sanitize, Skip }

/// <summary>A key pattern and what it allows; its text as the user gave it (Latin-1, so bytes round-trip).</summary>
public sealed class KeyPattern(string text, KeyAccess access)
{
    public string Text { get; } = text;
    public byte[] Bytes { get; } = System.Text.Encoding.Latin1.GetBytes(text);
    public KeyAccess Access { get; set; } = access;
}

/// <summary>A channel pattern as the user gave it (Latin-1 text) and its bytes, matched against channels.</summary>
public sealed class ChannelPattern(string text)
{
    public string Text { get; } = text;
    public byte[] Bytes { get; } = System.Text.Encoding.Latin1.GetBytes(text);
}

/// <summary>
/// One user's rules: on/off, passwords (their SHA-256), the commands it may run (a bitset by
/// <see cref="CommandSpec.AclId"/>), its key and channel patterns. A published rule set is never changed: ACL SETUSER
/// edits a <see cref="Clone"/> and swaps it in whole, so a command checked on another thread sees the old rules or
/// the new ones, never half of them. <see cref="AllowsAll"/> is what the dispatcher tests per command.
/// </summary>
public sealed class AclRules
{
    public bool Enabled { get; set; }
    public bool NoPass { get; set; }
    public PayloadSanitizing Sanitizing { get; set; }
    /// <summary>SHA-256 of each password, in the order they were added.</summary>
    public List<byte[]> Passwords { get; private init; } = [];
    public ulong[] Commands { get; private init; }
    /// <summary>Set by +@all (allcommands) and cleared by -@all: the rules start from "everything" (Redis's bit for
    /// commands added later), which is how ACL LIST describes them.</summary>
    public bool FromAllCommands { get; set; }
    public bool AllKeys { get; set; }
    public List<KeyPattern> Keys { get; private init; } = [];
    public bool AllChannels { get; set; }
    /// <summary>Channel patterns, in the order given.</summary>
    public List<ChannelPattern> Channels { get; private init; } = [];

    /// <summary>Every command, key and channel: the dispatcher's one test per command (set by <see cref="Seal"/>).</summary>
    public bool AllowsAll { get; private set; }

    public AclRules(int commandCount) => Commands = new ulong[(commandCount + 63) / 64];

    /// <summary>The default user of a node without ACL rules: on, +@all ~* &amp;*, nopass or <paramref name="password"/>.</summary>
    public static AclRules AllowAll(int commandCount, string password)
    {
        var rules = new AclRules(commandCount) { Enabled = true, AllKeys = true, AllChannels = true, FromAllCommands = true };
        rules.SetAllCommands(commandCount, true);
        rules.SetPassword(password);
        return rules.Seal(commandCount);
    }

    public AclRules Clone() => new(Commands.Length * 64)
    {
        Enabled = Enabled,
        NoPass = NoPass,
        Sanitizing = Sanitizing,
        Passwords = [.. Passwords],
        Commands = (ulong[])Commands.Clone(),
        FromAllCommands = FromAllCommands,
        AllKeys = AllKeys,
        Keys = [.. Keys.Select(k => new KeyPattern(k.Text, k.Access))],
        AllChannels = AllChannels,
        Channels = [.. Channels],
    };

    /// <summary>Computes <see cref="AllowsAll"/>; call before publishing.</summary>
    public AclRules Seal(int commandCount)
    {
        bool all = AllKeys && AllChannels;
        for (int id = 0; all && id < commandCount; id++) all = MayRun(id);
        AllowsAll = all;
        return this;
    }

    public bool MayRun(int id) => (Commands[id >> 6] & (1UL << id)) != 0;

    public void SetCommand(int id, bool allowed)
    {
        if (allowed) Commands[id >> 6] |= 1UL << id;
        else Commands[id >> 6] &= ~(1UL << id);
    }

    public void SetAllCommands(int commandCount, bool allowed)
    {
        Array.Clear(Commands);
        if (allowed)
            for (int id = 0; id < commandCount; id++) SetCommand(id, true);
        FromAllCommands = allowed;
    }

    /// <summary>requirepass's effect on the default user: nopass when empty, else that one password.</summary>
    public void SetPassword(string password)
    {
        Passwords.Clear();
        NoPass = password.Length == 0;
        if (!NoPass) Passwords.Add(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password)));
    }

    /// <summary>False, after the work <see cref="HasPassword"/> does (AUTH for an unknown user takes as long).</summary>
    public static bool Unmatched(ReadOnlySpan<byte> password)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(password, hash);
        return false;
    }

    /// <summary>Whether <paramref name="password"/> is one of the user's, compared in constant time per hash.</summary>
    public bool HasPassword(ReadOnlySpan<byte> password)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(password, hash);
        bool found = false;
        foreach (var stored in Passwords) found |= CryptographicOperations.FixedTimeEquals(stored, hash);
        return found;
    }
}
