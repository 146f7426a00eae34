namespace HyperCache.StateMachine.Dump;

/// <summary>A DUMP payload that cannot be restored; the message is the whole Redis error line (without '-').</summary>
public sealed class DumpFormatException(string message) : Exception(message)
{
    public const string BadFormat = "ERR Bad data format";
    public const string BadFooter = "ERR DUMP payload version or checksum are wrong";

    public static DumpFormatException Bad() => new(BadFormat);
}
