using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;
using Grpc.Core;
using HyperCache.Log;
using HyperCache.Replication.Grpc;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Snapshots;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HyperCache.Replication.Primary;

/// <summary>
/// The primary's side of log shipping (gRPC). <see cref="Subscribe"/> streams committed entries in address order
/// and then tails the log; a replica of this node's previous primary continues in this node's log when it can
/// (<see cref="PreviousHistoryResume"/>, told so by a <c>Continue</c> message); a replica that cannot continue where
/// it is (other history, or its address was truncated away) first gets a full sync: the whole log when the log alone still rebuilds the state, else a snapshot file
/// and the entries after it.
/// </summary>
public sealed class LogShippingService(Replicator replicator, IHostApplicationLifetime lifetime, ILogger<LogShippingService> logger)
    : LogShipping.LogShippingBase
{
    private const int SnapshotChunkBytes = 256 * 1024;
    private static readonly TimeSpan MaxUncommittedWait = TimeSpan.FromMilliseconds(100);

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<ShipMessage> stream, ServerCallContext context)
    {
        replicator.Authorize(context);
        if (!replicator.Strategy.ShipsLog)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "replication.mode is none"));
        // A replica serves its own log too (chained replication); the chain above it is read after the epoch, so a
        // change in between ends this stream at once.
        int epoch = replicator.UpstreamEpoch;
        var chain = replicator.Chain;
        if (context.RequestHeaders.GetValue(ReplicationChain.NodeHeader) is { } subscriber && chain.Contains(subscriber))
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"replication loop: the subscriber is this node or above it ({ReplicationChain.Format(chain)})"));
        await context.WriteResponseHeadersAsync(new Metadata { { ReplicationChain.ChainHeader, ReplicationChain.Format(chain) } });
        var log = replicator.Log;
        var registry = replicator.Replicas;
        // Streams never end by themselves: shutdown must end them, or the host waits out its timeout.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stopping.Token;
        string replid = replicator.ReplicationId;
        long next = request.FromAddress;
        string host = request.ReplicaHost.Length > 0 ? request.ReplicaHost : PeerHost(context.Peer);
        bool inLog = next >= log.BeginAddress && next <= log.CommittedUntilAddress;
        bool resumable = request.ReplicationId == replid && inLog;
        var continueAt = resumable ? null : await FindContinueAsync(request, inLog, ct);
        if (continueAt is not null)
        {
            resumable = true;
            next = continueAt.Address;
        }
        var link = registry.Attach(host, request.ReplicaPort, request.ReplicaId, resumable ? next : log.BeginAddress);
        SnapshotHeader? snapshot = null;
        try
        {
            if (continueAt is not null)
            {
                registry.CountPartialSync();
                logger.LogInformation("Replica {Replica} of the previous primary {Id} at {From} (sequence {Sequence}) continues here at {Address}{Rest}",
                    link.Key, request.ReplicationId, request.FromAddress, request.FromSequence, next,
                    continueAt.Rest is null ? "" : ", with the rest of the entry there");
                await stream.WriteAsync(new ShipMessage { Resume = new Continue { ReplicationId = replid, StartAddress = next } }, ct);
                if (continueAt.Rest is { } rest)
                {
                    await stream.WriteAsync(new ShipMessage { Batch = RestOfEntry(continueAt, rest) }, ct);
                    next = continueAt.AfterRest;
                }
            }
            else if (resumable)
            {
                registry.CountPartialSync();
                logger.LogInformation("Replica {Replica} resumes at {Address}", link.Key, next);
            }
            else
            {
                registry.CountFullSync();
                if (request.ReplicationId.Length > 0)
                    logger.LogInformation("Replica {Replica} cannot resume: it asked for {Id} at {Address}; this log is {Own}, {Begin}..{Committed} committed",
                        link.Key, request.ReplicationId, request.FromAddress, replid, log.BeginAddress, log.CommittedUntilAddress);
                if (replicator.LogHoldsWholeState())
                {
                    next = log.BeginAddress;
                    logger.LogInformation("Full sync of {Replica} from the log (address {Address})", link.Key, next);
                    await stream.WriteAsync(new ShipMessage { FullSync = new FullSync { ReplicationId = replid, StartAddress = next } }, ct);
                }
                else
                {
                    (next, snapshot) = await SendSnapshotAsync(link, stream, replid, ct);
                }
                link.Restart(next);
            }
            await TailAsync(link, stream, next, snapshot, epoch, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            registry.Detach(link, request.ReplicaId);
        }
    }

    /// <summary>Where a replica of this node's previous primary (PSYNC2) continues in this node's log, or one chained
    /// below this node before its promotion (the same log, under the id this node had then: it continues at its own
    /// address, <paramref name="inLog"/>); null for any other replica, or when it cannot (then it full-syncs). Told
    /// the new id by a Continue. The lookup reads the log: off the gRPC thread.</summary>
    private async Task<ResumePoint?> FindContinueAsync(SubscribeRequest request, bool inLog, CancellationToken ct)
    {
        if (replicator.Previous is not { } previous) return null;
        if (request.ReplicationId == previous.FormerOwnId) return inLog ? new ResumePoint(request.FromAddress) : null;
        if (request.ReplicationId != previous.ReplicationId) return null;
        try
        {
            return await Task.Run(() => PreviousHistoryResume.Find(replicator.Log, previous, request.FromAddress, request.FromSequence), ct);
        }
        catch (InvalidDataException e)
        {
            logger.LogWarning("Looking up where a replica of {Id} continues failed ({Error}); it gets a full sync", previous.ReplicationId, e.Message);
            return null;
        }
    }

    /// <summary>The part of this node's entry at <see cref="ResumePoint.Address"/> that a continuing replica lacks,
    /// as a batch of one entry standing for the whole entry (same addresses and sequence number).</summary>
    private EntryBatch RestOfEntry(ResumePoint at, byte[] rest)
    {
        var packed = new byte[4 + EntryHeader.Size + rest.Length];
        BinaryPrimitives.WriteInt32LittleEndian(packed, EntryHeader.Size + rest.Length);
        var entry = packed.AsSpan(4);
        rest.CopyTo(entry[EntryHeader.Size..]);
        EntryHeader.Write(entry, (byte)EventKind.Batch, at.RestSequence);
        return new EntryBatch
        {
            FirstAddress = at.Address, EntryCount = 1, NextAddress = at.AfterRest,
            PrimaryCommitted = replicator.Log.CommittedUntilAddress, SentUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            PackedEntries = UnsafeByteOperations.UnsafeWrap(packed),
        };
    }

    private async Task<(long Next, SnapshotHeader Header)> SendSnapshotAsync(ReplicaLink link, IServerStreamWriter<ShipMessage> stream, string replid, CancellationToken ct)
    {
        var (path, header) = await replicator.Snapshots.TakeAsync(ct);
        logger.LogInformation("Full sync of {Replica} from snapshot {Path}, then the log from {Address}", link.Key, path, header.MinCovered);
        await stream.WriteAsync(new ShipMessage { FullSync = new FullSync { ReplicationId = replid, StartAddress = header.MinCovered, Snapshot = true } }, ct);
        var hash = new XxHash64();
        long length = 0;
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
        {
            var buffer = new byte[SnapshotChunkBytes];
            int read;
            while ((read = await file.ReadAsync(buffer, ct)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
                length += read;
                await stream.WriteAsync(new ShipMessage { SnapshotChunk = new SnapshotChunk { Data = ByteString.CopyFrom(buffer, 0, read) } }, ct);
                link.Shipped(link.ShippedAddress, read);
            }
        }
        await stream.WriteAsync(new ShipMessage
        {
            SnapshotEnd = new SnapshotEnd { Length = length, Xxhash64 = hash.GetCurrentHashAsUInt64(), ContinueAddress = header.MinCovered },
        }, ct);
        replicator.CountBytesShipped(length);
        return (header.MinCovered, header);
    }

    /// <summary>Ships committed entries from <paramref name="next"/> on, batch by batch, then waits for commits;
    /// an idle stream carries a heartbeat (an empty batch) so both sides see a dead peer and lag stays fresh.
    /// One reader follows the log for the whole stream (<see cref="LogTailReader"/>), and the entries go out as
    /// the log holds them, header included.</summary>
    private async Task TailAsync(ReplicaLink link, IServerStreamWriter<ShipMessage> stream, long next, SnapshotHeader? snapshot, int epoch, CancellationToken ct)
    {
        var log = replicator.Log;
        var options = replicator.Options;
        long idleSince = Environment.TickCount64;
        var collector = new BatchCollector(snapshot);
        using var reader = log.ReadFrom(next);
        while (!ct.IsCancellationRequested)
        {
            // What is above this node changed: the replica resubscribes (resuming here: this log goes on) and checks the new chain.
            if (replicator.UpstreamEpoch != epoch) return;
            if (next < log.BeginAddress)
            {
                // Truncated below this replica (it was dropped from the floor): end the stream; it reconnects and full-syncs.
                logger.LogWarning("Replica {Replica} fell behind the log's begin ({Begin}); it must full-sync", link.Key, log.BeginAddress);
                return;
            }
            long committed = log.CommittedUntilAddress;
            if (committed > reader.ScannedAddress)
            {
                collector.Reset();
                if (!reader.Read(options.BatchBytes, collector))
                    throw new RpcException(new Status(StatusCode.DataLoss, $"log damaged at {reader.ProblemAddress}: {reader.Problem}"));
                if (reader.NextAddress == next) continue; // only part of an entry logged in fragments so far
                var batch = new EntryBatch
                {
                    FirstAddress = next, EntryCount = collector.Count, NextAddress = reader.NextAddress,
                    PrimaryCommitted = committed, SentUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                    // Wrapped, not copied: WriteAsync serializes the message before it completes, and only then is
                    // the collector's buffer reused.
                    PackedEntries = UnsafeByteOperations.UnsafeWrap(collector.Packed),
                };
                await stream.WriteAsync(new ShipMessage { Batch = batch }, ct);
                link.Shipped(reader.NextAddress, collector.Bytes, collector.LastSequence);
                replicator.CountBytesShipped(collector.Bytes);
                next = reader.NextAddress;
                continue;
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(MaxUncommittedWait);
            try
            {
                await log.WaitForCommitPastAsync(reader.ScannedAddress, wait.Token);
                idleSince = Environment.TickCount64;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Written but not committed for a while (appendfsync no commits only every 30 s): ask for the
                // commit, so replicas lag by at most ~100 ms whatever the durability policy.
                if (log.TailAddress > log.CommittedUntilAddress) _ = log.WaitForCommitAsync(log.TailAddress - 1).AsTask();
                if (Environment.TickCount64 - idleSince < (long)options.Heartbeat.TotalMilliseconds) continue;
                idleSince = Environment.TickCount64;
                await stream.WriteAsync(new ShipMessage
                {
                    Batch = new EntryBatch { FirstAddress = next, NextAddress = next, PrimaryCommitted = log.CommittedUntilAddress, SentUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                }, ct);
            }
        }
    }

    public override async Task<AckReply> Ack(IAsyncStreamReader<AckRequest> requestStream, ServerCallContext context)
    {
        replicator.Authorize(context);
        try
        {
            await foreach (var ack in requestStream.ReadAllAsync(context.CancellationToken))
                replicator.Replicas.Acknowledge(ack.ReplicaId, ack.Address);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        return new AckReply();
    }

    /// <summary>"ipv4:127.0.0.1:5555" → "127.0.0.1".</summary>
    private static string PeerHost(string peer)
    {
        var parts = peer.Split(':');
        return parts.Length >= 3 ? string.Join(':', parts[1..^1]).Trim('[', ']') : peer;
    }
}
