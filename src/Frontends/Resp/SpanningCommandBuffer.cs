using System.Buffers;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// One connection's buffer for a command that spans several input segments: the parser needs it contiguous, so it
/// is copied here. Kestrel's segments are 4 KB, so with MSET or pipelined batches about one command per segment
/// spans a boundary; a fresh array per copy cost MSET (10 keys) ~400 bytes of garbage per command. The buffer is
/// kept and reused up to <see cref="KeepLimit"/>. A larger command (a big value) up to <see cref="PoolLimit"/> is
/// copied into an array rented from the shared pool and given back by <see cref="Release"/> once its batch has run
/// (a fresh array per 1 MB SET was a zeroed large-object allocation each time); a larger one still gets an array of
/// its own, not zeroed, which the collector takes back: the pool would keep it. An idle connection holds no big
/// buffer either way.
/// </summary>
public sealed class SpanningCommandBuffer
{
    public const int KeepLimit = 64 * 1024;
    public const int PoolLimit = 4 * 1024 * 1024;
    private byte[]? _kept;
    private byte[]? _rented;

    /// <summary>The command's bytes, contiguous; valid until the next call or <see cref="Release"/> (the command
    /// runs before either).</summary>
    public ReadOnlyMemory<byte> Copy(in ReadOnlySequence<byte> command)
    {
        int length = checked((int)command.Length);
        byte[] target;
        if (length > PoolLimit)
        {
            target = GC.AllocateUninitializedArray<byte>(length);
        }
        else if (length > KeepLimit)
        {
            Release();
            target = _rented = ArrayPool<byte>.Shared.Rent(length);
        }
        else
        {
            if (_kept is null || _kept.Length < length) _kept = new byte[Math.Max(length, 4096)];
            target = _kept;
        }
        command.CopyTo(target);
        return target.AsMemory(0, length);
    }

    /// <summary>Gives a big command's array back to the pool: its command has run.</summary>
    public void Release()
    {
        if (_rented is null) return;
        ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
    }
}
