using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// A FIFO of a key table's own key arrays (S3-FIFO's queues): push at the new end, pop from the old end. A key
/// deleted meanwhile is recognised by reference (<see cref="KeyTable.FindExact"/>) and skipped. Amortised O(1): the
/// array is compacted (stale keys dropped) or doubled only when full.
/// </summary>
public sealed class KeyFifo
{
    private byte[]?[] _items = new byte[16][];
    private int _start, _end;

    public void Push(byte[] key, KeyTable table)
    {
        if (_end == _items.Length) MakeRoom(table);
        _items[_end++] = key;
    }

    /// <summary>The oldest key still in the table, taken out; null when none is left.</summary>
    public byte[]? PopOldest(KeyTable table, out int access)
    {
        while (_start < _end)
        {
            var key = _items[_start];
            _items[_start++] = null;
            if (key is null) continue;
            ref Entry entry = ref table.FindExact(key);
            if (Unsafe.IsNullRef(ref entry)) continue;
            access = entry.Access;
            return key;
        }
        _start = _end = 0;
        access = 0;
        return null;
    }

    public void Clear()
    {
        _items = new byte[16][];
        _start = _end = 0;
    }

    private void MakeRoom(KeyTable table)
    {
        int live = 0;
        for (int i = _start; i < _end; i++)
            if (_items[i] is { } key && !Unsafe.IsNullRef(ref table.FindExact(key))) _items[live++] = key;
            else _items[i] = null;
        Array.Clear(_items, live, _items.Length - live);
        _start = 0;
        _end = live;
        if (live * 2 > _items.Length) Array.Resize(ref _items, _items.Length * 2);
    }
}
