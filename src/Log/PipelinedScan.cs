using System.Collections.Concurrent;

namespace HyperCache.Log;

/// <summary>
/// A log scan on two threads: the caller's thread reads and verifies entries (FasterLog, CRC, sequence) while a
/// second thread hands them, in log order, to the visitor. Reading costs about a quarter of replaying an entry, so
/// recovery runs at the speed of applying alone. The visitor sees exactly what <see cref="AppendOnlyLog.Scan"/>
/// would give it, one entry at a time on one thread; the scan's result is the same.
/// </summary>
public static class PipelinedScan
{
    /// <summary>Entries are handed over in batches of about this many bytes (fewer hand-offs, bounded memory).</summary>
    private const int BatchBytes = 1 << 18;
    private const int BatchesInFlight = 8;

    public static LogScanResult Scan(AppendOnlyLog log, long from, long until, IEntryVisitor visitor)
    {
        using var relay = new Relay(visitor);
        var result = log.Scan(from, until, relay);
        relay.Finish();
        return result;
    }

    /// <summary>One batch: entry bodies back to back, and where each one is.</summary>
    private sealed class Batch
    {
        public byte[] Data = new byte[BatchBytes];
        public int Used;
        public readonly List<Item> Items = new(4096);

        public void Clear()
        {
            Used = 0;
            Items.Clear();
        }
    }

    /// <summary>An entry (or, with <see cref="IsClock"/>, a clock stamp carried in <see cref="Sequence"/>).</summary>
    private readonly record struct Item(long Address, byte Kind, ulong Sequence, int Offset, int Length, bool IsClock);

    /// <summary>Copies what the scan visits into batches; the applier thread replays them to the real visitor.</summary>
    private sealed class Relay : IEntryVisitor, IClockVisitor, IDisposable
    {
        private readonly IEntryVisitor _visitor;
        private readonly BlockingCollection<Batch> _full = new(BatchesInFlight);
        private readonly ConcurrentBag<Batch> _free = [];
        private readonly Thread _applier;
        private Batch _current = new();
        private Exception? _failure;

        public Relay(IEntryVisitor visitor)
        {
            _visitor = visitor;
            _applier = new Thread(Apply) { IsBackground = true, Name = "log replay" };
            _applier.Start();
        }

        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
        {
            if (Volatile.Read(ref _failure) != null) return; // the applier failed: Finish rethrows
            if (_current.Used + body.Length > _current.Data.Length && _current.Items.Count > 0) Hand();
            if (body.Length > _current.Data.Length) _current.Data = new byte[body.Length];
            body.Span.CopyTo(_current.Data.AsSpan(_current.Used));
            _current.Items.Add(new Item(address, kind, sequence, _current.Used, body.Length, false));
            _current.Used += body.Length;
        }

        public void Clock(long address, long unixMs)
        {
            if (_visitor is not IClockVisitor) return;
            _current.Items.Add(new Item(address, 0, (ulong)unixMs, 0, 0, true));
        }

        private void Hand()
        {
            _full.Add(_current);
            _current = _free.TryTake(out var batch) ? batch : new Batch();
        }

        /// <summary>Waits until the applier has replayed everything, then rethrows its failure, if any.</summary>
        public void Finish()
        {
            if (_current.Items.Count > 0) Hand();
            _full.CompleteAdding();
            _applier.Join();
            if (_failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
        }

        private void Apply()
        {
            var clocks = _visitor as IClockVisitor;
            foreach (var batch in _full.GetConsumingEnumerable())
            {
                if (_failure == null)
                {
                    try
                    {
                        foreach (var item in batch.Items)
                        {
                            if (item.IsClock) clocks!.Clock(item.Address, (long)item.Sequence);
                            else _visitor.Visit(item.Address, item.Kind, item.Sequence, new ReadOnlyMemory<byte>(batch.Data, item.Offset, item.Length));
                        }
                    }
                    catch (Exception e)
                    {
                        Volatile.Write(ref _failure, e); // keep draining so the scanning thread never blocks
                    }
                }
                batch.Clear();
                _free.Add(batch);
            }
        }

        public void Dispose()
        {
            if (!_full.IsAddingCompleted) _full.CompleteAdding();
            _applier.Join();
            _full.Dispose();
        }
    }
}
