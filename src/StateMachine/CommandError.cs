namespace HyperCache.StateMachine;

/// <summary>A command failed for a reason the client must hear; the message is the Redis error line without '-'.</summary>
public sealed class CommandError(string message) : Exception(message)
{
    public const string WrongTypeText = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string NotIntegerText = "ERR value is not an integer or out of range";
    /// <summary>How the error of a logged write that could not be applied begins (Store.ApplyFaults): the node's
    /// fault, not the request's (HTTP answers 500).</summary>
    public const string InternalErrorPrefix = "ERR internal error";

    public static CommandError WrongType() => new(WrongTypeText);
    public static CommandError NotInteger() => new(NotIntegerText);
    public static CommandError NotFloat() => new("ERR value is not a valid float");
    public static CommandError Overflow() => new("ERR increment or decrement would overflow");
    public static CommandError NoSuchKey() => new("ERR no such key");
    public static CommandError Syntax() => new("ERR syntax error");
}
