using System.Buffers.Binary;
using FASTER.core;

namespace HyperCache.Log;

/// <summary>Receives whole entries from a <see cref="LogTailReader"/>, in address order.</summary>
public interface IWholeEntryVisitor
{
    /// <param name="address">Where the entry starts (its first fragment's address for a joined one).</param>
    /// <param name="entry">The entry as logged, header (CRC checked) and body; an entry that was logged in
    /// fragments comes joined, under a header of its own. Valid only during the call.</param>
    void Visit(long address, ReadOnlySpan<byte> entry);
}

/// <summary>
/// Follows the log from an entry boundary on, with one FasterLog iterator kept open from read to read (log
/// shipping), where a <see cref="AppendOnlyLog.Scan"/> per batch opened an iterator each time: a page that has
/// left memory was then read from disk again for every batch in it, into a frame allocated again each time.
/// Hands out committed entries whole, checked as the scan checks them (CRC, sequence numbers); clock entries are
/// skipped; fragments are joined, even across reads. One consumer; dispose it before the log.
/// </summary>
public sealed unsafe class LogTailReader : IDisposable, IBulkLogEntryConsumer
{
    private const int RecordHeader = 4; // FasterLog's length field (no FasterLog checksum: LogChecksumType.None)
    private IWholeEntryVisitor? _visitor;
    private readonly FasterLogScanIterator _iterator;
    private byte[] _joined = new byte[4096]; // a fragmented entry being gathered: header room, then the body so far
    private int _joinedBody;                  // body bytes gathered (0: none pending)
    private long _joinedAddress;
    private bool _sawEntry;                   // the sequence number of the entry before is known
    private string? _problem;

    internal LogTailReader(FasterLog log, long from)
    {
        _iterator = log.Scan(from, long.MaxValue);
        NextAddress = from;
    }

    /// <summary>Where reading resumes: past the last whole entry handed out (a fragmented entry still being
    /// gathered starts at or after it).</summary>
    public long NextAddress { get; private set; }

    /// <summary>How far the log has been read (entries of a fragmented one still being gathered included): there
    /// is more to read once the log is committed past this.</summary>
    public long ScannedAddress => Math.Max(_iterator.NextAddress, NextAddress);

    /// <summary>Sequence number of the last entry read (0: none yet).</summary>
    public ulong LastSequence { get; private set; }

    /// <summary>Entry bytes handed out by the last <see cref="Read"/>.</summary>
    public long BytesRead { get; private set; }

    // Record bytes taken from the log by this Read, fragments of an entry not handed out yet included: the budget
    // counts these, or a read that meets a fragmented entry would go on for another chunk before the entry is whole.
    private long _taken;

    /// <summary>
    /// Hands committed entries to <paramref name="visitor"/> until at least <paramref name="maxBytes"/> of them
    /// were handed out or nothing committed is left: the budget plus at most the rest of the page run it ran out
    /// in. False when an entry fails its checks (<see cref="Problem"/>, at <see cref="ProblemAddress"/>); the
    /// reader is then unusable.
    /// </summary>
    public bool Read(long maxBytes, IWholeEntryVisitor visitor)
    {
        BytesRead = 0;
        _taken = 0;
        _budget = maxBytes;
        if (_problem != null) return false;
        _visitor = visitor;
        try
        {
            // Runs of records from one page at a time, under one epoch protection each (UnsafeGetNext took and
            // released it per entry, half the cost of reading). FasterLog's bulk consume goes on run after run to
            // the committed tail; Throttle, called between runs, ends it once the budget is spent.
            _iterator.TryBulkConsumeNext(this, (int)Math.Clamp(maxBytes, 1, int.MaxValue));
            return _problem == null;
        }
        catch (BudgetSpent)
        {
            return _problem == null; // the iterator stands after the last run consumed
        }
        catch (Exception e) when (e is FasterException or IndexOutOfRangeException or ArgumentException)
        {
            return Fail(NextAddress, "unreadable entry: " + e.Message);
        }
        finally
        {
            _visitor = null;
        }
    }

    private long _budget;
    private readonly BudgetSpent _budgetSpent = new();

    /// <summary>Thrown by <see cref="IBulkLogEntryConsumer.Throttle"/> to end a bulk consume: FasterLog's only
    /// way out of one before the tail (it releases its epoch protection on the way). At most one per read.</summary>
    private sealed class BudgetSpent : Exception;

    /// <summary>FasterLog's records back to back, each an int32 length (negative: a commit record of its own) and
    /// the entry, padded to 4 bytes.</summary>
    unsafe void IBulkLogEntryConsumer.Consume(byte* records, int length, long currentAddress, long nextAddress)
    {
        long address = currentAddress;
        for (int p = 0; p + RecordHeader <= length && _problem == null;)
        {
            int entryLength = *(int*)(records + p);
            int size = RecordHeader + ((Math.Abs(entryLength) + 3) & ~3);
            if (entryLength == 0 || p + size > length)
            {
                Fail(address, $"bad record length {entryLength}");
                return;
            }
            if (entryLength > 0) Take(new ReadOnlySpan<byte>(records + p + RecordHeader, entryLength), address, address + size, _visitor!);
            p += size;
            address += size;
        }
    }

    void IBulkLogEntryConsumer.Throttle()
    {
        if (_taken >= _budget || _problem != null) throw _budgetSpent;
    }

    /// <summary>Why the last read stopped short; null when it did not.</summary>
    public string? Problem => _problem;

    /// <summary>Where the entry that failed its checks starts (-1: none did).</summary>
    public long ProblemAddress { get; private set; } = -1;

    private bool Take(ReadOnlySpan<byte> entry, long current, long next, IWholeEntryVisitor visitor)
    {
        _taken += entry.Length;
        if (!EntryHeader.TryRead(entry, out byte kind, out ulong seq, out byte flags, out var body)) return Fail(current, "checksum mismatch");
        if ((flags & EntryHeader.Clock) != 0 && body.Length == 8)
        {
            // A clock entry repeats the last sequence number: a reader starting mid-log learns it here.
            if (!_sawEntry) { LastSequence = seq; _sawEntry = true; }
            else if (seq != LastSequence) return Fail(current, $"sequence jumps from {LastSequence} to {seq} (entries missing)");
            if (_joinedBody == 0) NextAddress = next;
            return true;
        }
        if (_sawEntry && seq != LastSequence + 1) return Fail(current, $"sequence jumps from {LastSequence} to {seq} (entries missing)");
        _sawEntry = true;
        LastSequence = seq;
        if ((flags & EntryHeader.DropFragments) != 0)
        {
            _joinedBody = 0;
            NextAddress = next;
            return true;
        }
        if ((flags & EntryHeader.MoreFragments) != 0 || _joinedBody > 0)
        {
            // Part of an entry too big for one page: gather; hand it out, whole, when its last part arrives.
            if (_joinedBody == 0) _joinedAddress = current;
            int size = EntryHeader.Size + _joinedBody + body.Length;
            if (_joined.Length < size) Array.Resize(ref _joined, Math.Max(size, _joined.Length * 2));
            body.CopyTo(_joined.AsSpan(EntryHeader.Size + _joinedBody));
            _joinedBody += body.Length;
            if ((flags & EntryHeader.MoreFragments) != 0) return true;
            var whole = _joined.AsSpan(0, EntryHeader.Size + _joinedBody);
            EntryHeader.Write(whole, kind, seq);
            _joinedBody = 0;
            Hand(visitor, _joinedAddress, whole, next);
            return true;
        }
        Hand(visitor, current, entry, next);
        return true;
    }

    private void Hand(IWholeEntryVisitor visitor, long address, ReadOnlySpan<byte> entry, long next)
    {
        visitor.Visit(address, entry);
        BytesRead += entry.Length;
        NextAddress = next;
    }

    private bool Fail(long address, string problem)
    {
        _problem = problem;
        ProblemAddress = address;
        return false;
    }

    public void Dispose() => _iterator.Dispose();
}

/// <summary>Reads a whole entry's fields (header already checked by the reader).</summary>
public static class WholeEntry
{
    public static byte Kind(ReadOnlySpan<byte> entry) => entry[5];
    public static ulong Sequence(ReadOnlySpan<byte> entry) => BinaryPrimitives.ReadUInt64LittleEndian(entry.Slice(8, 8));
    public static ReadOnlySpan<byte> Body(ReadOnlySpan<byte> entry) => entry[EntryHeader.Size..];
}
