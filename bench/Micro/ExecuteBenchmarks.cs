using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;
using HyperCache.Frontends.Resp;
using HyperCache.Log;
using Microsoft.Extensions.Logging.Abstractions;

namespace HyperCache.Bench.Micro;

/// <summary>
/// GET and SET through the code a RESP connection runs for each parsed command: CommandDispatcher (lookup, arity,
/// gates, metrics) → the command's handler → Store (shard lock; for SET: event, AOF append, Apply) → RespWriter
/// into the connection's pipe. The node is a real one (Node.Open on a temp data dir, AOF on, appendfsync
/// everysec). A batch of 16 commands is executed, then flushed and drained once, as a pipelined read is.
/// Steady state: GET of an existing key; SET overwriting an existing key with a value of the same length.
/// </summary>
[MemoryDiagnoser]
public class ExecuteBenchmarks
{
    private const int Batch = 16;
    private string _dir = "";
    private Node _node = null!;
    private RespClient _client = null!;
    private CommandDispatcher _dispatcher = null!;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly CommandArgs _get = new();
    private readonly CommandArgs _set = new();
    private readonly CommandArgs _setOther = new();

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "hypercache-micro-" + Guid.NewGuid().ToString("N"));
        var config = new NodeConfig
        {
            DataDir = _dir,
            AppendOnly = true,
            AppendFsync = Durability.EverySec,
            LogToFile = false,
            LogToConsole = false,
        };
        _node = Node.Open(config, NullLogger.Instance);
        _client = new RespClient(1, _node, "bench", "bench");
        _client.Writer.Attach(_pipe.Writer);
        _dispatcher = new CommandDispatcher(_node);
        Parse(Requests.Command("GET", Requests.Key), _get);
        Parse(Requests.Command("SET", Requests.Key, Requests.Value), _set);
        Parse(Requests.Command("SET", Requests.Key, Requests.OtherValue), _setOther);
        Run(_set);
        Drain();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _node.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static void Parse(byte[] request, CommandArgs args)
    {
        if (new RespParser(new RespLimits()).TryParse(request, args, out _, out _) != ParseStatus.Complete)
            throw new InvalidOperationException("request should parse");
    }

    /// <summary>One command, as RespConnectionHandler.ExecuteAll runs it.</summary>
    private void Run(CommandArgs args)
    {
        _dispatcher.Execute(_client, args);
        _node.Store.ServeBlockedClients();
    }

    /// <summary>The end of a batch: commit the replies to the pipe, flush, and let the "socket" take them.</summary>
    private void Drain()
    {
        _node.CountCommands(Batch);
        _client.Writer.Commit();
        _pipe.Writer.FlushAsync().GetAwaiter().GetResult();
        if (_pipe.Reader.TryRead(out var read)) _pipe.Reader.AdvanceTo(read.Buffer.End);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void Get()
    {
        for (int i = 0; i < Batch; i++) Run(_get);
        Drain();
    }

    /// <summary>Alternates two values of the same length, so every SET really changes the stored bytes.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Set()
    {
        for (int i = 0; i < Batch; i += 2)
        {
            Run(_set);
            Run(_setOther);
        }
        Drain();
    }
}
