using Grpc.Core;
using HyperCache.Log;
using HyperCache.Replication.Grpc;

namespace HyperCache.Replication.Replica;

/// <summary>
/// A subscription's acknowledgements, sent off the receive loop: the loop applies a batch, tells the pump, and reads
/// the next one while this node's log commits; the pump waits for the commit of the newest applied batch and then
/// acknowledges the primary address after it. An ack still means durable here; batches applied during one commit
/// share the next one (and one ack), instead of a commit and an ack each, waited for one after another.
/// </summary>
internal sealed class AckPump
{
    private readonly AppendOnlyLog? _log;
    private readonly IClientStreamWriter<AckRequest> _stream;
    private readonly string _replicaId;
    private readonly CancellationTokenSource _session;
    private readonly Action<long> _durable;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Lock _gate = new();
    private long _local = -1; // this node's log address of the newest applied batch (-1: none yet)
    private long _next = -1;  // the primary address to acknowledge once _local is committed
    private bool _heartbeat;  // a heartbeat came: acknowledge again even with nothing new (the primary's lag is the time since an ack)
    private int _signalled;
    private volatile Exception? _failure;

    /// <param name="session">Cancelled to stop the pump; the pump cancels it when an ack cannot be sent.</param>
    /// <param name="durable">Told each primary address below which everything is durable here, before it is acked.</param>
    public AckPump(AppendOnlyLog? log, IClientStreamWriter<AckRequest> stream, string replicaId, CancellationTokenSource session, Action<long> durable)
    {
        _durable = durable;
        _log = log;
        _stream = stream;
        _replicaId = replicaId;
        _session = session;
        Completion = Task.Run(RunAsync);
    }

    /// <summary>Ends when the session is cancelled or an ack failed (see <see cref="Failure"/>); never faults.</summary>
    public Task Completion { get; }

    /// <summary>Why acknowledging stopped (it then cancelled the session); null while it works.</summary>
    public Exception? Failure => _failure;

    /// <summary>Everything below primary address <paramref name="next"/> is applied here, and logged up to this
    /// node's address <paramref name="localAddress"/> (-1: nothing new logged, e.g. a heartbeat).</summary>
    public void Applied(long localAddress, long next)
    {
        lock (_gate)
        {
            _local = Math.Max(_local, localAddress);
            _next = Math.Max(_next, next);
            if (localAddress < 0) _heartbeat = true;
        }
        if (Interlocked.Exchange(ref _signalled, 1) == 0) _signal.Release();
    }

    private async Task RunAsync()
    {
        var ct = _session.Token;
        long acked = -1;
        try
        {
            while (true)
            {
                await _signal.WaitAsync(ct);
                Interlocked.Exchange(ref _signalled, 0);
                long local, next;
                bool heartbeat;
                lock (_gate)
                {
                    local = _local;
                    next = _next;
                    heartbeat = _heartbeat;
                    _heartbeat = false;
                }
                if (next < acked || (next == acked && !heartbeat)) continue;
                if (local >= 0 && _log != null) await _log.WaitForCommitAsync(local);
                _durable(next);
                await _stream.WriteAsync(new AckRequest { ReplicaId = _replicaId, Address = next }, ct);
                acked = next;
            }
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _failure = e;
            _session.Cancel();
        }
    }
}
