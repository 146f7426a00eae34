using System.Buffers;
using HyperCache.Log;
using MessagePack;

namespace HyperCache.StateMachine.Events;

/// <summary>
/// A reusable buffer (one per thread) that holds one entry being built: room for the log's header, then the
/// MessagePack body. Building an event therefore allocates nothing.
/// </summary>
public sealed class EventBuffer : IBufferWriter<byte>
{
    [ThreadStatic] private static EventBuffer? _current;
    private byte[] _buffer = new byte[256];
    private int _length;

    public EventKind Kind { get; private set; }

    /// <summary>This thread's buffer, emptied, ready for an event of <paramref name="kind"/>.</summary>
    public static EventBuffer Start(EventKind kind)
    {
        var buffer = _current ??= new EventBuffer();
        buffer.Kind = kind;
        buffer._length = EntryHeader.Size;
        return buffer;
    }

    public MessagePackWriter Writer() => new(this);

    /// <summary>The whole entry, header room included, as the log wants it.</summary>
    public Span<byte> Entry => _buffer.AsSpan(0, _length);
    public ReadOnlyMemory<byte> Body => _buffer.AsMemory(EntryHeader.Size, _length - EntryHeader.Size);

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int sizeHint)
    {
        int needed = _length + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length) Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
    }
}
