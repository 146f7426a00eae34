namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// SIEVE (Zhang et al., NSDI '24): keys in insertion order, one "visited" bit per key (<see cref="AccessBits.Visited"/>,
/// set by any access), and a hand that walks from the oldest key toward the newest: a visited key keeps its place
/// and loses the bit, the first unvisited one is evicted, and the hand stays there for the next eviction. Unlike
/// LRU nothing moves on a hit, and unlike CLOCK new keys go to the new end, so one-hit wonders leave quickly while
/// a re-read working set survives a scan. Amortised O(1) per insert and per eviction.
/// <para>The queue holds the table's own key arrays; a key deleted by anything else (DEL, expiry, overwrite by a
/// new incarnation) is recognised by reference when the hand reaches it and skipped. Holes are compacted away when
/// the array is full, so the array stays within twice the live keys.</para>
/// </summary>
public sealed class SieveQueue
{
    private byte[]?[] _items = new byte[16][];
    private int _start, _end;   // live range of the array, oldest first
    private int _hand;          // where the next eviction looks first
    private int _stale;         // keys deleted since they were queued (still in the array)

    public int Length => _end - _start;

    public void Push(byte[] key, KeyTable table)
    {
        if (_end == _items.Length) MakeRoom(table);
        _items[_end++] = key;
    }

    /// <summary>A key of the table was removed; its queue place becomes garbage.</summary>
    public void Forget() => _stale++;

    public void Clear()
    {
        _items = new byte[16][];
        _start = _end = _hand = _stale = 0;
    }

    /// <summary>Moves the hand to the next key to evict and takes it out of the queue; null when none is left.
    /// At most two passes: the first may only clear visited bits.</summary>
    public byte[]? Evict(KeyTable table)
    {
        for (long budget = 2L * Length + 2; budget > 0 && _end > _start; budget--)
        {
            if (_hand < _start || _hand >= _end) _hand = _start;
            var key = _items[_hand];
            if (key is null) { Advance(); continue; }
            ref Entry entry = ref table.FindExact(key);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
            {
                if (_stale > 0) _stale--;
                Take();
                continue;
            }
            if ((entry.Access & AccessBits.Visited) != 0)
            {
                entry.Access &= ~AccessBits.Visited;
                Advance();
                continue;
            }
            Take();
            return key;
        }
        return null;
    }

    private void Take()
    {
        _items[_hand] = null;
        Advance();
        while (_start < _end && _items[_start] is null) _start++;
    }

    private void Advance() => _hand++;

    /// <summary>Full array: drop holes and deleted keys; grow when more than half of it is still live.</summary>
    private void MakeRoom(KeyTable table)
    {
        bool dropStale = _stale > 0;
        var target = _items;
        int live = 0;
        for (int i = _start; i < _end; i++)
            if (_items[i] is { } key && (!dropStale || !System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.FindExact(key)))) live++;
        if (live * 2 > _items.Length) target = new byte[_items.Length * 2][];
        int write = 0, hand = 0;
        for (int i = _start; i < _end; i++)
        {
            if (i == _hand) hand = write;
            if (_items[i] is not { } key) continue;
            if (dropStale && System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.FindExact(key))) continue;
            target[write++] = key;
        }
        if (_hand >= _end) hand = write;
        Array.Clear(target, write, target.Length - write);
        _items = target;
        _start = 0;
        _end = write;
        _hand = hand;
        _stale = 0;
    }
}
