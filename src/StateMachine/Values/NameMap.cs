namespace HyperCache.StateMachine.Values;

/// <summary>
/// Values by name (a byte string) in byte order of the names: ordinal by byte, a name before the longer ones it
/// starts (memcmp, then length: the order Redis's rax lists a stream's groups and a group's consumers in). Two
/// parallel sorted arrays: a lookup is a binary search over a span and allocates nothing; adding or removing shifts
/// the arrays' tail (O(n), a memmove of references: cheap for the groups of a stream and the consumers of a group).
/// Iteration is in name order. Not thread-safe: the store changes it under the shard lock.
/// </summary>
public sealed class NameMap<T> where T : class
{
    private const int FirstCapacity = 4;

    private byte[][] _names = [];
    private T[] _values = [];
    private int _count;

    public int Count => _count;

    /// <summary>The values in name order (a view of the live array: do not keep it across a change).</summary>
    public ArraySegment<T> Values => new(_values, 0, _count);

    /// <summary>What the map costs: its object (two references and the count) and its two arrays.</summary>
    public long Bytes => MemorySize.Object(24) + (_names.Length == 0 ? 0 : 2 * MemorySize.Array(_names.Length, MemorySize.Reference));

    public T? Find(ReadOnlySpan<byte> name)
    {
        int i = IndexOf(name);
        return i >= 0 ? _values[i] : null;
    }

    /// <summary>Adds <paramref name="value"/> under <paramref name="name"/> (the map keeps the array, which must not
    /// change afterwards); false, and nothing added, when the name is taken.</summary>
    public bool TryAdd(byte[] name, T value)
    {
        int i = IndexOf(name);
        if (i >= 0) return false;
        Insert(~i, name, value);
        return true;
    }

    /// <summary>The value under <paramref name="name"/>, or the one <paramref name="create"/> makes from a copy of
    /// the name (added; <paramref name="created"/> true). Only a new name is copied.</summary>
    public T GetOrAdd<TState>(ReadOnlySpan<byte> name, TState state, Func<byte[], TState, T> create, out bool created)
    {
        int i = IndexOf(name);
        created = i < 0;
        if (!created) return _values[i];
        var key = name.ToArray();
        var value = create(key, state);
        Insert(~i, key, value);
        return value;
    }

    /// <summary>Whether <paramref name="name"/> was there (and is gone).</summary>
    public bool Remove(ReadOnlySpan<byte> name)
    {
        int i = IndexOf(name);
        if (i < 0) return false;
        _count--;
        Array.Copy(_names, i + 1, _names, i, _count - i);
        Array.Copy(_values, i + 1, _values, i, _count - i);
        _names[_count] = null!;
        _values[_count] = null!;
        if (_names.Length > FirstCapacity && _count <= _names.Length / 4) Resize(Math.Max(FirstCapacity, _names.Length / 2));
        return true;
    }

    /// <summary>The index of <paramref name="name"/>, or the complement of where it would go.</summary>
    private int IndexOf(ReadOnlySpan<byte> name)
    {
        int low = 0, high = _count - 1;
        while (low <= high)
        {
            int middle = (int)((uint)(low + high) >> 1);
            int order = _names[middle].AsSpan().SequenceCompareTo(name);
            if (order == 0) return middle;
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        return ~low;
    }

    private void Insert(int at, byte[] name, T value)
    {
        if (_count == _names.Length) Resize(_names.Length == 0 ? FirstCapacity : _names.Length * 2);
        Array.Copy(_names, at, _names, at + 1, _count - at);
        Array.Copy(_values, at, _values, at + 1, _count - at);
        _names[at] = name;
        _values[at] = value;
        _count++;
    }

    private void Resize(int capacity)
    {
        Array.Resize(ref _names, capacity);
        Array.Resize(ref _values, capacity);
    }
}
