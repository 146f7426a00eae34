using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

public enum ExpiryUnit { Seconds, Milliseconds, UnixSeconds, UnixMilliseconds }

/// <summary>Turns EX/PX/EXAT/PXAT arguments into the absolute Unix milliseconds that events carry.</summary>
public static class Expiry
{
    public static bool TryUnit(CommandArgs args, int index, out ExpiryUnit unit)
    {
        unit = default;
        if (args.Is(index, "EX"u8)) unit = ExpiryUnit.Seconds;
        else if (args.Is(index, "PX"u8)) unit = ExpiryUnit.Milliseconds;
        else if (args.Is(index, "EXAT"u8)) unit = ExpiryUnit.UnixSeconds;
        else if (args.Is(index, "PXAT"u8)) unit = ExpiryUnit.UnixMilliseconds;
        else return false;
        return true;
    }

    /// <summary>For SET/GETEX/SETEX: the amount must be positive, as in Redis.</summary>
    public static long Positive(ReadOnlySpan<byte> amount, ExpiryUnit unit, long now, string command)
    {
        long value = ArgParse.Int64(amount);
        if (value <= 0) throw InvalidTime(command);
        return Absolute(value, unit, now, command);
    }

    /// <summary>For EXPIRE and friends: any amount (past times delete the key), overflow is an error.</summary>
    public static long Absolute(long value, ExpiryUnit unit, long now, string command)
    {
        try
        {
            return unit switch
            {
                ExpiryUnit.Seconds => checked(value * 1000 + now),
                ExpiryUnit.Milliseconds => checked(value + now),
                ExpiryUnit.UnixSeconds => checked(value * 1000),
                _ => value,
            };
        }
        catch (OverflowException)
        {
            throw InvalidTime(command);
        }
    }

    public static CommandError InvalidTime(string command) => new($"ERR invalid expire time in '{command}' command");
}
