using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;
using HyperCache.Frontends.Resp;
using Microsoft.Extensions.Logging.Abstractions;

namespace HyperCache.Frontends.Tests;

/// <summary>
/// Issue 8's bar, kept by a test: GET of an existing key and SET of a same-length value, run the way a RESP
/// connection runs them (dispatcher → handler → Store → RespWriter into a pipe), allocate nothing per command,
/// and the replies are the right bytes. The node has no AOF here: the log append is covered by the Log tests, and
/// FasterLog's page flushes (which allocate inside FASTER) would make a byte count depend on where pages turn.
/// </summary>
public sealed class GetSetAllocationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hc-alloc-").FullName;
    private readonly Node _node;
    private readonly RespClient _client;
    private readonly CommandDispatcher _dispatcher;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));

    public GetSetAllocationTests()
    {
        _node = Node.Open(new NodeConfig { DataDir = _dir, AppendOnly = false, LogToFile = false, LogToConsole = false }, NullLogger.Instance);
        _client = new RespClient(1, _node, "test", "test");
        _client.Writer.Attach(_pipe.Writer);
        _dispatcher = new CommandDispatcher(_node);
    }

    public void Dispose()
    {
        _node.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static CommandArgs Parse(string command)
    {
        var parts = command.Split(' ');
        var wire = new StringBuilder($"*{parts.Length}\r\n");
        foreach (var part in parts) wire.Append($"${part.Length}\r\n{part}\r\n");
        var args = new CommandArgs();
        Assert.Equal(ParseStatus.Complete, new RespParser(new RespLimits()).TryParse(Encoding.ASCII.GetBytes(wire.ToString()), args, out _, out _));
        return args;
    }

    /// <summary>Flushes the replies and returns them as text.</summary>
    private string Drain()
    {
        _client.Writer.Commit();
        _pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        if (!_pipe.Reader.TryRead(out var read)) return "";
        string text = Encoding.ASCII.GetString(read.Buffer);
        _pipe.Reader.AdvanceTo(read.Buffer.End);
        return text;
    }

    /// <summary>Flushes the replies and drops them without looking (no string made).</summary>
    private void Discard()
    {
        _client.Writer.Commit();
        _pipe.Writer.FlushAsync().GetAwaiter().GetResult();
        if (_pipe.Reader.TryRead(out var read)) _pipe.Reader.AdvanceTo(read.Buffer.End);
    }

    [Fact]
    public void Get_and_same_length_set_allocate_nothing_and_reply_right()
    {
        string v1 = new('a', 64), v2 = new('b', 64);
        var set1 = Parse("SET key:42 " + v1);
        var set2 = Parse("SET key:42 " + v2);
        var get = Parse("GET key:42");

        _dispatcher.Execute(_client, set1);
        _dispatcher.Execute(_client, get);
        _dispatcher.Execute(_client, set2);
        _dispatcher.Execute(_client, get);
        Assert.Equal($"+OK\r\n$64\r\n{v1}\r\n+OK\r\n$64\r\n{v2}\r\n", Drain());

        void Round()
        {
            for (int i = 0; i < 512; i++)
            {
                _dispatcher.Execute(_client, (i & 1) == 0 ? set1 : set2);
                _dispatcher.Execute(_client, get);
                if ((i & 15) == 15) Discard(); // a flush per pipelined batch of 32 commands
            }
            Discard();
        }
        // Steady state: the first rounds run quick-JIT (tier 0) code, where e.g. Enum.HasFlag boxes; the tiered JIT
        // replaces it in the background. Rounds go on until one allocates nothing, within a deadline.
        long allocated = -1;
        var deadline = Stopwatch.StartNew();
        while (allocated != 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Round();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(0, allocated);

        _dispatcher.Execute(_client, get);
        Assert.Equal($"$64\r\n{v2}\r\n", Drain());
    }
}
