namespace HyperCache.StateMachine.Events;

/// <summary>
/// A log entry of a kind this version does not know (a log written by a newer version, or damage the CRC missed).
/// Unlike a fault while applying a known event (<see cref="ApplyFault"/>), it stops replay: skipping it would drop
/// writes silently, so the node refuses to start on such a log, as Redis does on an AOF it cannot read.
/// </summary>
public sealed class UnknownEventKindException(string message) : Exception(message);
