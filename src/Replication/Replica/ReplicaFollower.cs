using System.Buffers.Binary;
using Grpc.Core;
using Grpc.Net.Client;
using HyperCache.Log;
using HyperCache.Replication.Grpc;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Events;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace HyperCache.Replication.Replica;

/// <summary>
/// A replica's connection to its primary: asks for the primary's log-shipping port, subscribes from the position
/// its own log recorded (<see cref="Store.ReplicationOrigin"/>), logs and applies what arrives, and acknowledges
/// it once it is durable here (<see cref="AckPump"/>, off the receive loop). Reconnects by itself (Polly: jittered exponential backoff, a timeout on the
/// port probe, a circuit breaker), and treats a stream silent for five heartbeats as dead.
/// </summary>
public sealed class ReplicaFollower : IAsyncDisposable
{
    private readonly Replicator _replicator;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ResiliencePipeline _reconnect;
    private readonly ResiliencePipeline _probeTimeout;
    private Task _run = Task.CompletedTask;
    private long _fullSyncs;
    private readonly List<ShippedEntry> _entries = [];
    private readonly ShipMessageReader _messages = new();

    public ReplicaFollower(Replicator replicator, string host, int port, ILogger logger)
    {
        _replicator = replicator;
        _logger = logger;
        Host = host;
        Port = port;
        _reconnect = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => !_stop.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(3),
                OnRetry = a =>
                {
                    _logger.LogInformation("Replication link to {Host}:{Port} down ({Error}); retry {Attempt} in {Delay}",
                        Host, Port, a.Outcome.Exception?.Message, a.AttemptNumber + 1, a.RetryDelay);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 1.0,
                MinimumThroughput = 5,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(2),
            })
            .Build();
        _probeTimeout = new ResiliencePipelineBuilder().AddTimeout(TimeSpan.FromSeconds(3)).Build();
    }

    public string Host { get; }
    public int Port { get; }
    public bool LinkUp { get; private set; }
    public bool SyncInProgress { get; private set; }
    /// <summary>Environment.TickCount64 of the last message from the primary.</summary>
    public long LastIoTick { get; private set; } = Environment.TickCount64;
    /// <summary>The primary's committed address as of the last message (master_repl_offset).</summary>
    public long PrimaryCommitted { get; private set; }
    /// <summary>The primary address this replica has applied, and holds durably, up to (slave_repl_offset).</summary>
    public long AppliedAddress { get; private set; }
    /// <summary>How old the newest applied batch was when it arrived, in ms (lag in seconds for metrics).</summary>
    public long LastBatchDelayMs { get; private set; }
    public long FullSyncs => Interlocked.Read(ref _fullSyncs);
    /// <summary>The replication ids from this node's primary up to the top, as last told by the primary.</summary>
    public IReadOnlyList<string> Upstream { get; private set; } = [];

    public void Start() => _run = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _reconnect.ExecuteAsync(async token => await SessionAsync(token), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogWarning("Replication link to {Host}:{Port}: {Error}", Host, Port, e.Message);
                await Task.Delay(500, ct).ContinueWith(_ => { });
            }
        }
    }

    /// <summary>One subscription. Returns normally only when the primary ended a stream that made progress (the
    /// loop then reconnects at once); failures throw so the retry strategy backs off.</summary>
    private async Task SessionAsync(CancellationToken ct)
    {
        string password = _replicator.Options.MasterAuth;
        string user = _replicator.Options.MasterUser;
        var headers = ReplicationAuth.Headers(password, user) ?? [];
        headers.Add(ReplicationChain.NodeHeader, _replicator.ReplicationId);
        int grpcPort = await _probeTimeout.ExecuteAsync(async t => await PrimaryPortProbe.AskAsync(Host, Port, user, password, _replicator.Options.BindSourceAddr, t), ct);
        using var channel = GrpcChannel.ForAddress($"http://{Host}:{grpcPort}", new GrpcChannelOptions
        {
            MaxReceiveMessageSize = null,
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(3),
                ConnectCallback = SourceBinding.ConnectCallback(_replicator.Options.BindSourceAddr),
            },
        });
        var client = new LogShipping.LogShippingClient(channel);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var store = _replicator.Store;
        var position = store.ReplicationOrigin;
        string connectionId = Guid.NewGuid().ToString("N");
        string replid = position?.ReplicationId ?? "";
        long next = position?.NextAddress ?? 0;
        AppliedAddress = next;
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(_messages.SubscribeMethod(), null, new CallOptions(headers, cancellationToken: session.Token), new SubscribeRequest
        {
            ReplicationId = replid,
            FromAddress = next,
            FromSequence = position?.LastSequence ?? 0,
            ReplicaId = connectionId,
            ReplicaPort = _replicator.OwnPort,
        });
        LearnChain(await call.ResponseHeadersAsync);
        using var acks = client.Ack(headers, cancellationToken: session.Token);
        var pump = new AckPump(_replicator.Log, acks.RequestStream, connectionId, session, durable => AppliedAddress = durable);
        bool progressed = false;
        using var snapshot = new SnapshotReceiver(_replicator.DataDir);
        long resumableFrom = 0;
        try
        {
            var reader = call.ResponseStream;
            while (true)
            {
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(session.Token))
                {
                    idle.CancelAfter(_replicator.Options.Heartbeat * 5);
                    bool more;
                    try
                    {
                        more = await reader.MoveNext(idle.Token);
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && pump.Failure is { } failure)
                    {
                        throw new IOException("acknowledging to the primary failed: " + failure.Message, failure);
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && idle.IsCancellationRequested && !ct.IsCancellationRequested)
                    {
                        throw new TimeoutException("no message from the primary for five heartbeats");
                    }
                    if (!more) break;
                }
                LastIoTick = Environment.TickCount64;
                LinkUp = true;
                var message = reader.Current;
                switch (message.BodyCase)
                {
                    case ShipMessage.BodyOneofCase.FullSync:
                    {
                        var full = message.FullSync;
                        Interlocked.Increment(ref _fullSyncs);
                        SyncInProgress = true;
                        _logger.LogInformation("Full sync from {Host}:{Port} (replication id {Id}, {Kind})", Host, Port, full.ReplicationId,
                            full.Snapshot ? "snapshot + log" : "whole log");
                        // Drop our data, our functions and our position in one entry: a crash before the sync ends restarts it.
                        // FLUSHALL leaves function libraries alone (as Redis), so they are dropped too: the primary's
                        // come with its snapshot or log.
                        store.ApplyReplicated([new ShippedEntry((byte)EventKind.FlushAll, new byte[] { 0x90 }),
                            new ShippedEntry((byte)EventKind.FunctionFlush, new byte[] { 0x90 })], null);
                        replid = full.ReplicationId;
                        next = full.StartAddress;
                        if (full.Snapshot) snapshot.Begin();
                        break;
                    }
                    case ShipMessage.BodyOneofCase.Resume:
                    {
                        // Our primary was promoted from a replica of the primary we followed (PSYNC2): we keep our
                        // data, and our position is in its log from now on (recorded with the next batch).
                        var resume = message.Resume;
                        _logger.LogInformation("Continuing at {Host}:{Port} (replication id {Id}) at {Address} without a full sync",
                            Host, Port, resume.ReplicationId, resume.StartAddress);
                        replid = resume.ReplicationId;
                        next = resume.StartAddress;
                        AppliedAddress = next;
                        break;
                    }
                    case ShipMessage.BodyOneofCase.SnapshotChunk:
                        snapshot.Append(message.SnapshotChunk);
                        break;
                    case ShipMessage.BodyOneofCase.SnapshotEnd:
                    {
                        (long last, resumableFrom) = snapshot.Load(message.SnapshotEnd, store);
                        if (last >= 0 && _replicator.Log is { } log) await log.WaitForCommitAsync(last);
                        next = message.SnapshotEnd.ContinueAddress;
                        break;
                    }
                    case ShipMessage.BodyOneofCase.Batch:
                    {
                        var batch = message.Batch;
                        PrimaryCommitted = batch.PrimaryCommitted;
                        long address = -1;
                        if (batch.EntryCount > 0)
                        {
                            // No resume point inside the range a snapshot full sync is still filtering.
                            ReplicationPosition? resumeAt = batch.NextAddress >= resumableFrom ? new(replid, batch.NextAddress) : null;
                            address = store.ApplyReplicated(Verified(batch), resumeAt);
                            LastBatchDelayMs = Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - batch.SentUnixMs);
                        }
                        next = Math.Max(next, batch.NextAddress);
                        SyncInProgress = false;
                        progressed = true;
                        pump.Applied(address, next); // acknowledged once committed here, while the next batch is applied
                        break;
                    }
                }
            }
        }
        finally
        {
            LinkUp = false;
            session.Cancel();
            // Before the ack call is disposed (bounded: a commit wait cannot be cancelled).
            await Task.WhenAny(pump.Completion, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        if (!progressed) throw new IOException("the primary ended the stream");
    }

    /// <summary>The chain above this node, as its primary's stream names it (<see cref="ReplicationChain"/>): refused
    /// when it holds this node (a loop); a new one ends the streams this node serves, so its replicas check it.</summary>
    private void LearnChain(Metadata responseHeaders)
    {
        var chain = ReplicationChain.Parse(responseHeaders.GetValue(ReplicationChain.ChainHeader));
        if (chain.Contains(_replicator.ReplicationId))
            throw new InvalidOperationException($"replication loop: {Host}:{Port} follows this node ({ReplicationChain.Format(chain)})");
        if (chain.SequenceEqual(Upstream)) return;
        Upstream = chain;
        _replicator.UpstreamChanged();
    }

    /// <summary>The batch's entries, each checked against its CRC again after the network; in a list reused from
    /// batch to batch (one session applies one batch at a time).</summary>
    private List<ShippedEntry> Verified(EntryBatch batch)
    {
        var entries = _entries;
        entries.Clear();
        var packed = batch.PackedEntries.Memory;
        for (int i = 0; i < batch.EntryCount; i++)
        {
            int size = packed.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(packed.Span) : -1;
            if (size < EntryHeader.Size || size > packed.Length - 4)
                throw new InvalidDataException($"entry {i} of the batch at primary address {batch.FirstAddress} has a bad length ({size})");
            var raw = packed.Slice(4, size);
            packed = packed[(4 + size)..];
            if (!EntryHeader.TryRead(raw.Span, out byte kind, out ulong sequence, out var body))
                throw new InvalidDataException($"entry {i} of the batch at primary address {batch.FirstAddress} fails its checksum");
            entries.Add(new ShippedEntry(kind, raw[(raw.Length - body.Length)..], sequence));
        }
        if (!packed.IsEmpty) throw new InvalidDataException($"{packed.Length} bytes after the last entry of a batch");
        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }
        _stop.Dispose();
    }
}
