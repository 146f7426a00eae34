using Grpc.Net.Client;
using HyperCache.Replication.Grpc;
using HyperCache.Replication.Primary;
using HyperCache.Replication.Replica;
using Microsoft.Extensions.Logging;
using Polly;

namespace HyperCache.Replication.Failover;

/// <summary>Redis's master_failover_state: no-failover, waiting-for-sync, failover-in-progress.</summary>
public enum FailoverState { None, WaitingForSync, InProgress }

/// <param name="Host">FAILOVER TO host port: the replica (its RESP address, as INFO lists it); null: the first
/// replica that catches up.</param>
/// <param name="TimeoutMs">How long to wait for a replica to catch up; 0: for ever.</param>
/// <param name="Force">After the timeout, hand over to the named replica even if it is behind.</param>
public sealed record FailoverRequest(string? Host, int Port, long TimeoutMs, bool Force);

/// <summary>
/// The primary's side of FAILOVER, as Redis 7.0 runs it: writes are paused (by the front end, through the handle
/// <see cref="Start"/> is given), a replica catches up with everything committed, it is asked to take over
/// (<see cref="FailoverService"/>), and this node then follows it, continuing in its log without a full sync; the
/// paused writes then meet a replica (READONLY). A replica that does not catch up in time ends the failover with
/// nothing changed (unless FORCE), as does ABORT before the hand-over, or a refusal of the replica.
/// </summary>
public sealed class FailoverCoordinator(Replicator replicator, ILogger logger)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private readonly Lock _lock = new();
    private readonly ResiliencePipeline _callTimeout = new ResiliencePipelineBuilder().AddTimeout(TimeSpan.FromSeconds(10)).Build();
    private CancellationTokenSource? _abort;
    private volatile FailoverState _state;

    public FailoverState State => _state;

    /// <summary>Starts a failover in the background; returns null, or why it cannot start (Redis's texts).</summary>
    public string? Start(FailoverRequest request, Func<IDisposable> pauseWrites)
    {
        CancellationTokenSource abort;
        lock (_lock)
        {
            // Redis 7.0's checks, in its order
            if (_state != FailoverState.None) return "ERR FAILOVER already in progress.";
            if (!replicator.IsPrimary) return "ERR FAILOVER is not valid when server is a replica.";
            if (replicator.Replicas.Online == 0) return "ERR FAILOVER requires connected replicas.";
            if (request.Force && (request.TimeoutMs <= 0 || request.Host is null))
                return "ERR FAILOVER with force option requires both a timeout and target HOST and IP.";
            if (request.Host is not null)
            {
                var link = replicator.Replicas.Links.FirstOrDefault(l => l.Port == request.Port && string.Equals(l.Host, request.Host, StringComparison.OrdinalIgnoreCase));
                if (link is null) return "ERR FAILOVER target HOST and PORT is not a replica.";
                if (!link.Online) return "ERR FAILOVER target replica is not online.";
            }
            _state = FailoverState.WaitingForSync;
            _abort = abort = new CancellationTokenSource();
        }
        var pause = pauseWrites();
        _ = Task.Run(() => RunAsync(request, pause, abort.Token));
        return null;
    }

    /// <summary>FAILOVER ABORT: false when no failover runs. Once the replica was asked to take over, it is too late.</summary>
    public bool Abort()
    {
        lock (_lock)
        {
            if (_state == FailoverState.None) return false;
            _abort?.Cancel();
            return true;
        }
    }

    private async Task RunAsync(FailoverRequest request, IDisposable pause, CancellationToken abort)
    {
        try
        {
            var log = replicator.Log;
            long deadline = request.TimeoutMs > 0 ? Environment.TickCount64 + request.TimeoutMs : long.MaxValue;
            ReplicaLink? target;
            long committed;
            while (true)
            {
                await log.CommitAsync(abort); // what was written before the pause, durable and so shippable
                committed = log.CommittedUntilAddress;
                target = CaughtUp(request, committed);
                if (target is not null) break;
                if (Environment.TickCount64 >= deadline)
                {
                    if (request.Force && Named(request) is { } named)
                    {
                        target = named;
                        break;
                    }
                    logger.LogWarning("FAILOVER: no replica caught up within {Timeout} ms; this node stays the primary", request.TimeoutMs);
                    return;
                }
                await Task.Delay(Poll, abort);
            }
            lock (_lock)
            {
                abort.ThrowIfCancellationRequested();
                _state = FailoverState.InProgress;
            }
            logger.LogInformation("FAILOVER: {Replica} has everything up to {Address}; asking it to take over", target.Key, committed);
            var reply = await TakeOverAsync(target, committed, force: target.AckedAddress < committed);
            await replicator.HandOverAsync(target.Host, target.Port, reply.ResumeAddress);
            logger.LogInformation("FAILOVER: {Replica} is the primary (id {Id}); this node follows it from {Address}", target.Key, reply.ReplicationId, reply.ResumeAddress);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            logger.LogWarning("FAILOVER aborted; this node stays the primary");
        }
        catch (Exception e)
        {
            logger.LogWarning("FAILOVER failed: {Error}; this node stays the primary", e.Message);
        }
        finally
        {
            lock (_lock)
            {
                _state = FailoverState.None;
                _abort?.Dispose();
                _abort = null;
            }
            pause.Dispose();
        }
    }

    private ReplicaLink? Named(FailoverRequest request)
        => replicator.Replicas.Links.FirstOrDefault(l => l.Online && l.Port == request.Port && string.Equals(l.Host, request.Host, StringComparison.OrdinalIgnoreCase));

    private ReplicaLink? CaughtUp(FailoverRequest request, long committed)
    {
        if (request.Host is not null) return Named(request) is { } named && named.AckedAddress >= committed ? named : null;
        return replicator.Replicas.Links.FirstOrDefault(l => l.Online && l.AckedAddress >= committed);
    }

    /// <summary>Asks the replica, at its log-shipping port (asked over RESP as a replica asks its primary), with
    /// masterauth (the password this node gives to other nodes).</summary>
    private async Task<TakeOverReply> TakeOverAsync(ReplicaLink target, long committed, bool force)
    {
        var options = replicator.Options;
        return await _callTimeout.ExecuteAsync(async ct =>
        {
            int port = await PrimaryPortProbe.AskAsync(target.Host, target.Port, options.MasterUser, options.MasterAuth, options.BindSourceAddr, ct);
            using var channel = GrpcChannel.ForAddress($"http://{target.Host}:{port}", new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    ConnectTimeout = TimeSpan.FromSeconds(3),
                    ConnectCallback = SourceBinding.ConnectCallback(options.BindSourceAddr),
                },
            });
            var client = new Grpc.Failover.FailoverClient(channel);
            return await client.TakeOverAsync(new TakeOverRequest { ReplicationId = replicator.ReplicationId, Address = committed, Force = force },
                ReplicationAuth.Headers(options.MasterAuth, options.MasterUser), cancellationToken: ct);
        }, CancellationToken.None);
    }
}
