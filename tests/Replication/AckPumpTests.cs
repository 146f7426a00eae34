using Grpc.Core;
using HyperCache.Log;
using HyperCache.Replication.Grpc;
using HyperCache.Replication.Replica;

namespace HyperCache.Replication.Tests;

/// <summary>
/// A replica's acknowledgements leave the receive loop: an ack must still only follow the commit of everything it
/// covers, it must end up at the newest applied address, and a failing ack stream must end the session.
/// </summary>
public sealed class AckPumpTests
{
    private sealed class Recorder(AppendOnlyLog log, bool fail = false) : IClientStreamWriter<AckRequest>
    {
        public List<(long Address, long CommittedThen)> Acks { get; } = [];
        public WriteOptions? WriteOptions { get; set; }
        public Task CompleteAsync() => Task.CompletedTask;

        public Task WriteAsync(AckRequest message, CancellationToken cancellationToken) => WriteAsync(message);

        public Task WriteAsync(AckRequest message)
        {
            if (fail) throw new RpcException(new Status(StatusCode.Unavailable, "gone"));
            lock (Acks) Acks.Add((message.Address, log.CommittedUntilAddress));
            return Task.CompletedTask;
        }
    }

    private static long Append(AppendOnlyLog log)
    {
        var entry = new byte[EntryHeader.Size + 8];
        return log.Append(entry, 1);
    }

    [Fact]
    public async Task Acks_follow_the_commit_of_what_they_cover_and_reach_the_newest_address()
    {
        using var node = new TempNode();
        using var session = new CancellationTokenSource();
        var recorder = new Recorder(node.Log);
        long durable = -1;
        var pump = new AckPump(node.Log, recorder, "r1", session, d => Volatile.Write(ref durable, d));
        var locals = new List<long>();
        for (int i = 1; i <= 50; i++)
        {
            long local = Append(node.Log);
            locals.Add(local);
            pump.Applied(local, i * 100);
            if (i % 10 == 0) pump.Applied(-1, i * 100); // a heartbeat: nothing new logged
        }
        Eventually(() => { lock (recorder.Acks) return recorder.Acks.Count > 0 && recorder.Acks[^1].Address == 5000; });
        lock (recorder.Acks)
        {
            foreach (var (address, committedThen) in recorder.Acks)
                Assert.True(committedThen > locals[(int)(address / 100) - 1], $"ack {address} sent before its entry was committed");
            Assert.Equal(recorder.Acks.Select(a => a.Address).Order(), recorder.Acks.Select(a => a.Address)); // increasing
        }
        Assert.Equal(5000, Volatile.Read(ref durable));
        session.Cancel();
        await pump.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(pump.Failure);
    }

    [Fact]
    public async Task A_failing_ack_stream_ends_the_session()
    {
        using var node = new TempNode();
        using var session = new CancellationTokenSource();
        var pump = new AckPump(node.Log, new Recorder(node.Log, fail: true), "r1", session, _ => { });
        pump.Applied(Append(node.Log), 100);
        await pump.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<RpcException>(pump.Failure);
        Assert.True(session.IsCancellationRequested);
    }

    private static void Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("condition not met within 10 s");
            Thread.Sleep(5);
        }
    }
}
