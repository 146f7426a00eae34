using System.Buffers;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// One connection's buffer for a command that spans several input segments: the parser needs it contiguous, so it
/// is copied here. Kestrel's segments are 4 KB, so with MSET or pipelined batches about one command per segment
/// spans a boundary; a fresh array per copy cost MSET (10 keys) ~400 bytes of garbage per command. The buffer is
/// kept and reused up to <see cref="KeepLimit"/>; a larger command gets an array of its own, as before, so an idle
/// connection never holds a big one.
/// </summary>
public sealed class SpanningCommandBuffer
{
    public const int KeepLimit = 64 * 1024;
    private byte[]? _kept;

    /// <summary>The command's bytes, contiguous; valid until the next call (the command runs before that).</summary>
    public ReadOnlyMemory<byte> Copy(in ReadOnlySequence<byte> command)
    {
        int length = checked((int)command.Length);
        if (length > KeepLimit) return command.ToArray();
        if (_kept is null || _kept.Length < length) _kept = new byte[Math.Max(length, 4096)];
        command.CopyTo(_kept);
        return _kept.AsMemory(0, length);
    }
}
