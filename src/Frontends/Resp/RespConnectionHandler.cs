using System.Buffers;
using System.IO.Pipelines;
using HyperCache.Frontends.Hosting;
using HyperCache.Log;
using HyperCache.StateMachine;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// One RESP connection on Kestrel: read what the socket has, execute every complete command in it, then (under
/// appendfsync always) wait for the log to commit this client's writes, then flush all replies at once.
/// </summary>
public sealed class RespConnectionHandler(Node node, ILogger<RespConnectionHandler> logger) : ConnectionHandler
{
    private readonly RespLimits _limits = new()
    {
        MaxBulkLength = node.Config.ProtoMaxBulkLen,
        MaxQueryBuffer = node.Config.ClientQueryBufferLimit,
    };

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        var client = new RespClient(node.Clients.NextId(), node,
            connection.RemoteEndPoint?.ToString() ?? "?", connection.LocalEndPoint?.ToString() ?? "?");
        client.Kill = connection.Abort;
        client.Writer.Attach(output);
        client.Writer.Errors = node.Metrics.Errors;
        client.Output.TrackSent(connection.Features.Get<Transport.ISentBytesFeature>());
        if (!node.Clients.TryAdd(client, node.Config.MaxClients))
        {
            client.Writer.Error("ERR max number of clients reached");
            client.Writer.Commit();
            await output.FlushAsync();
            return;
        }
        var parser = new RespParser(_limits);
        var dispatcher = new CommandDispatcher(node);
        var spanning = new SpanningCommandBuffer();
        var prefetch = new PipelinePrefetch(new RespParser(_limits)); // its own parser: inline parsing has scratch state
        long waitedFor = -1, replicatedFor = -1, carried = 0; // carried: input left unconsumed by the last batch
        try
        {
            while (!client.CloseAfterReply)
            {
                var read = await ReadAsync(input, client);
                if (read.IsCanceled) break;
                var buffer = read.Buffer;
                node.Traffic.Read(buffer.Length - carried);
                await client.Output.EnterAsync(); // pub/sub messages from other threads wait while we write
                var strategy = node.Replication is { Strategy: { WaitsForReplicas: true } s } ? s : null;
                if (strategy != null) client.Writer.BeginStaging(); // sync replication: replies wait for the replicas
                var (consumed, examined) = ExecuteAll(buffer, client, parser, dispatcher, spanning, prefetch, out int executed);
                carried = buffer.Slice(consumed).Length;
                input.AdvanceTo(consumed, examined);
                if (client.Blocked is { } blocked && !await CompleteBlockedAsync(client, blocked, dispatcher.LastSpec, connection)) break;

                long written = client.Session.LastLogAddress;
                if (written > waitedFor && node.Log is { Durability: Durability.Always } log)
                {
                    await log.WaitForCommitAsync(written);
                    waitedFor = written;
                }
                if (strategy != null)
                {
                    bool acknowledged = true;
                    if (written > replicatedFor)
                    {
                        replicatedFor = written;
                        acknowledged = await strategy.AfterWriteAsync(written, connection.ConnectionClosed) == HyperCache.Replication.Strategies.WriteOutcome.Acknowledged;
                    }
                    await client.Writer.EndStagingAsync(keep: acknowledged);
                    // Not enough replicas in time: every reply of the batch becomes the error (never a silent
                    // success; the writes did happen on this node). See docs/decisions.md, Replication.
                    if (!acknowledged)
                        for (int i = 0; i < executed; i++) client.Writer.Error("NOREPLICAS Not enough good replicas to write.");
                }
                client.Writer.Commit();
                if (OverOutputLimit(client))
                {
                    connection.Abort();
                    break;
                }
                var flush = await output.FlushAsync();
                client.Output.Exit();
                if (flush.IsCompleted || read.IsCompleted) break;
                client.Args.Trim();
            }
        }
        catch (ConnectionResetException)
        {
        }
        catch (HyperCache.Log.LogWriteException e)
        {
            // Under appendfsync always (or sync replication) the batch's replies wait for its commit, which cannot
            // happen: the connection closes without them, so no write is acknowledged that is not durable.
            logger.LogWarning("RESP connection {Id} closed: its writes could not be made durable ({Reason})", client.Id, e.Reason);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "RESP connection {Id} failed", client.Id);
        }
        finally
        {
            node.Clients.Remove(client);
            await client.Output.CloseAsync();
            await input.CompleteAsync();
            await output.CompleteAsync();
        }
    }

    /// <summary>Whether this batch's replies would leave more than <see cref="ClientOutput.NormalLimit"/> unsent.
    /// Redis's way: the client is closed, its replies dropped, and the log says why.</summary>
    private bool OverOutputLimit(RespClient client)
    {
        long unsent = client.Output.UnsentAfterFlush(client.Writer);
        if (unsent <= ClientOutput.NormalLimit) return false;
        logger.LogWarning("RESP connection {Id} ({Address}) closed: {Unsent} bytes of replies unread, over the output limit of {Limit}",
            client.Id, client.RemoteAddress, unsent, ClientOutput.NormalLimit);
        return true;
    }

    /// <summary>
    /// A blocking command (BLPOP...) stopped the batch: sends the replies before it (after their commit, under
    /// appendfsync always), waits until it is served, times out or the client leaves, and leaves its reply in the
    /// writer for the usual flush. The rest of the batch runs after: the next read returns it at once.
    /// </summary>
    private async ValueTask<bool> CompleteBlockedAsync(RespClient client, BlockedCommand blocked, CommandSpec? spec, ConnectionContext connection)
    {
        client.Blocked = null;
        long written = client.Session.LastLogAddress;
        if (written >= 0 && node.Log is { Durability: Durability.Always } log) await log.WaitForCommitAsync(written);
        client.Writer.Commit();
        client.Output.UnsentAfterFlush(client.Writer); // counted, not checked: one batch's replies
        if ((await connection.Transport.Output.FlushAsync()).IsCompleted) return false;
        client.Waiting = blocked;
        try
        {
            long? replied = await blocked.CompleteAsync(client.Writer, connection.ConnectionClosed);
            if (replied is { } ticks)
            {
                if (blocked.FailedWhenServed) spec?.Meter?.FailedWhenServed();
                if (blocked.HeldForSlowLog is { } held) node.SlowLog.Served(held, ticks, client);
            }
        }
        finally
        {
            client.Waiting = null;
        }
        return true;
    }

    /// <summary>Reads, honouring the idle timeout when one is configured (Redis's default is none).</summary>
    private ValueTask<ReadResult> ReadAsync(PipeReader input, RespClient client)
    {
        int timeout = node.Config.Timeout;
        if (timeout <= 0) return input.ReadAsync();
        return ReadWithTimeoutAsync(input, TimeSpan.FromSeconds(timeout));
    }

    private static async ValueTask<ReadResult> ReadWithTimeoutAsync(PipeReader input, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await input.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return new ReadResult(default, isCanceled: true, isCompleted: true);
        }
    }

    /// <summary>Executes every complete command in <paramref name="buffer"/>; returns how far input was used.</summary>
    private (SequencePosition Consumed, SequencePosition Examined) ExecuteAll(
        ReadOnlySequence<byte> buffer, RespClient client, RespParser parser, CommandDispatcher dispatcher,
        SpanningCommandBuffer spanning, PipelinePrefetch prefetch, out int executed)
    {
        var remaining = buffer;
        executed = 0;
        prefetch.Reset();
        long mark = node.Store.PinClock();
        var slowLog = node.SlowLog;
        var latency = node.Latency;
        try
        {
            while (!remaining.IsEmpty && !client.CloseAfterReply && client.Blocked is null)
            {
                var head = remaining.First;
                var status = parser.TryParse(head, client.Args, out int used, out string? error);
                if (status == ParseStatus.Incomplete && !remaining.IsSingleSegment)
                {
                    // The command runs past this segment: measure it across segments, then parse a copy of it.
                    status = parser.Measure(remaining, out long length, out error);
                    if (status == ParseStatus.Complete)
                    {
                        var copy = spanning.Copy(remaining.Slice(0, length));
                        status = parser.TryParse(copy, client.Args, out used, out error);
                    }
                }
                if (status != ParseStatus.Incomplete) parser.ResetMeasure();
                switch (status)
                {
                    case ParseStatus.Incomplete:
                        if (remaining.Length > _limits.MaxQueryBuffer)
                        {
                            client.Writer.Error("ERR Protocol error: query buffer limit reached");
                            client.CloseAfterReply = true;
                            return (buffer.End, buffer.End);
                        }
                        client.QueryBuffered = remaining.Length;
                        return (remaining.Start, buffer.End);
                    case ParseStatus.Error:
                        client.Writer.Error(error!);
                        client.CloseAfterReply = true;
                        return (buffer.End, buffer.End);
                    case ParseStatus.Complete:
                        prefetch.BeforeCommand(client.Args, used < head.Length ? head[used..] : default, node.Store, client.Session.Db);
                        client.QueryBuffered = remaining.Length;
                        dispatcher.Execute(client, client.Args);
                        if (client.Postponed)
                        {
                            // CLIENT PAUSE: not run, so not consumed; read again (at once) when the pause is over.
                            client.Postponed = false;
                            return (remaining.Start, remaining.Start);
                        }
                        node.Store.ServeBlockedClients(); // as Redis: before this client's next command
                        executed++;
                        if (!dispatcher.LastWasFast || slowLog.TimesEveryCommand || latency.Enabled)
                        {
                            // It may have taken long: move the clock on, and time it for the slow log (with the fast
                            // commands since the last mark: a few microseconds at most; with the latency monitor on,
                            // every command is timed on its own).
                            long now = node.Store.AdvanceClock();
                            if (dispatcher.LastSpec is { } ran)
                            {
                                if (client.Blocked is { } blocked) // as Redis: logged when served, not now
                                    blocked.HeldForSlowLog = slowLog.Hold(now - mark, client.Args, ran);
                                else
                                {
                                    slowLog.Consider(now - mark, client, client.Args, ran);
                                    latency.RecordCommand(ran, now - mark);
                                }
                            }
                            mark = now;
                        }
                        break;
                }
                remaining = remaining.Slice(used);
            }
            client.QueryBuffered = remaining.Length; // a blocked command's followers, or nothing
            return (remaining.Start, remaining.Start);
        }
        finally
        {
            spanning.Release();
            node.Store.UnpinClock();
            if (executed > 0)
            {
                node.CountCommands(executed);
                client.LastCommandAtMs = Environment.TickCount64;
            }
        }
    }
}
