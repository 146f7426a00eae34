using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// The arguments of one parsed command: slices of the request buffer, never copies. args[0] is the command name.
/// Valid only until the connection advances its input past the command.
/// </summary>
public sealed class CommandArgs : IKeyList
{
    private ReadOnlyMemory<byte> _source;
    private int[] _offsets = new int[16];
    private int[] _lengths = new int[16];

    public int Count { get; private set; }

    public ReadOnlySpan<byte> this[int index] => _source.Span.Slice(_offsets[index], _lengths[index]);

    public void Reset(ReadOnlyMemory<byte> source)
    {
        _source = source;
        Count = 0;
    }

    public void Add(int offset, int length)
    {
        if (Count == _offsets.Length)
        {
            Array.Resize(ref _offsets, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
        }
        _offsets[Count] = offset;
        _lengths[Count] = length;
        Count++;
    }

    /// <summary>Shrinks the arrays after a giant command, so an idle connection does not keep them.</summary>
    public void Trim()
    {
        if (_offsets.Length <= 1024) return;
        _offsets = new int[16];
        _lengths = new int[16];
    }

    /// <summary>The arguments' bytes together (CLIENT LIST's argv-mem).</summary>
    public long TotalBytes()
    {
        long total = 0;
        for (int i = 0; i < Count; i++) total += _lengths[i];
        return total;
    }

    public string Text(int index) => System.Text.Encoding.UTF8.GetString(this[index]);

    /// <summary>ASCII case-insensitive comparison with an upper-case literal (option names).</summary>
    public bool Is(int index, ReadOnlySpan<byte> upper)
    {
        var arg = this[index];
        if (arg.Length != upper.Length) return false;
        for (int i = 0; i < arg.Length; i++)
            if ((arg[i] & 0xDF) != upper[i] && arg[i] != upper[i]) return false;
        return true;
    }
}
