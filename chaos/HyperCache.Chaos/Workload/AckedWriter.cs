using System.Net.Sockets;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.Chaos.Workload;

/// <summary>
/// One client writing its own keys, one command in flight at a time, recording what the server acknowledged:
/// SET of a fresh key (written once), INCR of its counter, LPUSH of a fresh element onto its list. Because no other
/// client touches these keys, the acknowledged replies say exactly what must survive any fault (<see cref="Verify"/>);
/// a command whose reply never came, or came as an error, is "in doubt": it may or may not have happened.
/// </summary>
public sealed class AckedWriter(int id, string prefix, int seed)
{
    private const string NoReplicas = "-NOREPLICAS Not enough good replicas to write.\r\n";
    private const string ReadOnly = "-READONLY You can't write against a read only replica.\r\n";

    private readonly Random _rng = new(seed);
    private readonly Dictionary<string, string> _ackedSets = [];
    private readonly HashSet<string> _doubtSets = [];
    private readonly List<string> _ackedPushes = [];
    private readonly HashSet<string> _doubtPushes = [];
    private readonly List<string> _violations = [];
    private long _counterAcked;
    private int _counterDoubt;
    private int _next;
    private int _acked;
    private int _refused;
    private int _broken;
    private int _readOnly;

    public int Id { get; } = id;

    public string Counter { get; } = $"{prefix}w{id}:counter";

    public string List { get; } = $"{prefix}w{id}:list";

    /// <summary>Writes acknowledged with success.</summary>
    public int Acked => Volatile.Read(ref _acked);

    /// <summary>Writes answered with NOREPLICAS (the primary may have applied them: in doubt).</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Writes whose reply never came (connection broken or client timeout).</summary>
    public int Broken => Volatile.Read(ref _broken);

    /// <summary>Writes answered with READONLY (a replica refused them: certainly not applied); the writer then
    /// reconnects, to wherever its port function points.</summary>
    public int ReadOnlyReplies => Volatile.Read(ref _readOnly);

    /// <summary>Set to end <see cref="Run"/> after the command in flight.</summary>
    public volatile bool Stop;

    /// <summary>
    /// While it returns true (a node is paused) nothing can be acknowledged: a command sent and answered with
    /// success while it stayed true is a violation.
    /// </summary>
    public Func<bool> AckForbidden { get; set; } = () => false;

    /// <summary>Problems seen in replies while running (an INCR that went backwards, an acknowledgement while forbidden).</summary>
    public IReadOnlyList<string> Violations => _violations;

    /// <summary>
    /// Writes until <see cref="Stop"/> or <paramref name="maxOps"/> commands. A broken connection ends the run when
    /// <paramref name="stopOnBreak"/>, else the writer reconnects (to <paramref name="port"/>'s current value) and goes on.
    /// </summary>
    public void Run(Func<int> port, int maxOps, bool stopOnBreak, TimeSpan? replyTimeout = null)
    {
        RawRespClient? client = null;
        try
        {
            for (int ops = 0; ops < maxOps && !Stop;)
            {
                if (client is null)
                {
                    try
                    {
                        client = new RawRespClient(port(), replyTimeout);
                    }
                    catch (SocketException)
                    {
                        if (stopOnBreak) return;
                        Thread.Sleep(20); // reconnect interval; the loop is bounded by Stop and maxOps
                        continue;
                    }
                }
                ops++;
                int n = _next++;
                bool forbidden = AckForbidden();
                string reply;
                Action<string> onReply;
                Action onDoubt;
                switch (_rng.Next(3))
                {
                    case 0:
                        string key = $"{prefix}w{Id}:s{n}", value = $"v{n}";
                        onReply = r => { if (r == Resp.Ok) _ackedSets[key] = value; };
                        onDoubt = () => _doubtSets.Add(key);
                        reply = Send(ref client, onDoubt, "SET", key, value);
                        break;
                    case 1:
                        onReply = CounterReply;
                        onDoubt = () => _counterDoubt++;
                        reply = Send(ref client, onDoubt, "INCR", Counter);
                        break;
                    default:
                        string element = $"e{n}";
                        onReply = r => { if (r.StartsWith(':')) _ackedPushes.Add(element); };
                        onDoubt = () => _doubtPushes.Add(element);
                        reply = Send(ref client, onDoubt, "LPUSH", List, element);
                        break;
                }
                if (reply.Length == 0)
                {
                    if (stopOnBreak) return;
                    continue;
                }
                if (reply == NoReplicas)
                {
                    Interlocked.Increment(ref _refused);
                    onDoubt();
                    continue;
                }
                if (reply == ReadOnly)
                {
                    // Not run, so not in doubt. The node became a replica (a failover): look for the primary again.
                    Interlocked.Increment(ref _readOnly);
                    client?.Dispose();
                    client = null;
                    Thread.Sleep(20); // as the reconnect interval; the loop is bounded by Stop and maxOps
                    continue;
                }
                if (reply[0] == '-')
                {
                    _violations.Add($"unexpected error reply {RawRespClient.Escape(reply)}");
                    onDoubt();
                    continue;
                }
                // Sent and answered while the node could not have acknowledged it (the flag is cleared before resuming).
                if (forbidden && AckForbidden()) _violations.Add($"command {n} acknowledged while that was impossible: {RawRespClient.Escape(reply)}");
                onReply(reply);
                Interlocked.Increment(ref _acked);
            }
        }
        finally
        {
            client?.Dispose();
        }
    }

    /// <summary>The reply, or "" when the connection broke or timed out (the command is then in doubt).</summary>
    private string Send(ref RawRespClient? client, Action onDoubt, params string[] command)
    {
        try
        {
            return client!.Command(command);
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
        {
            onDoubt();
            Interlocked.Increment(ref _broken);
            client!.Dispose();
            client = null;
            return "";
        }
    }

    private void CounterReply(string reply)
    {
        long value = long.Parse(reply.AsSpan(1, reply.Length - 3));
        // Every acknowledged INCR is in the counter, and each in-doubt one may be: the next reply is in this range.
        if (value < _counterAcked + 1 || value > _counterAcked + 1 + _counterDoubt)
            _violations.Add($"INCR {Counter} replied {value}, expected {_counterAcked + 1}..{_counterAcked + 1 + _counterDoubt}");
        _counterAcked = value;
        _counterDoubt = 0;
    }

    /// <summary>
    /// Checks a node holds every acknowledged write of this writer and nothing that was never sent: each acknowledged
    /// SET key with its value, the counter within [acknowledged, acknowledged + in doubt], every acknowledged element
    /// in the list in push order (extra elements only from in-doubt pushes). Returns the problems found.
    /// </summary>
    public List<string> Verify(RawRespClient c)
    {
        var problems = new List<string>(_violations.Select(v => $"w{Id}: {v}"));
        foreach (var (key, value) in _ackedSets)
        {
            var got = c.Command("GET", key);
            if (got != Resp.Bulk(value)) problems.Add($"w{Id}: acknowledged SET {key} {value} lost: GET replied {RawRespClient.Escape(got)}");
        }

        var counterReply = c.Command("GET", Counter);
        long counter = counterReply == Resp.Nil ? 0 : long.Parse(Resp.ParseFlatArray("*1\r\n" + counterReply)[0]!);
        if (counter < _counterAcked || counter > _counterAcked + _counterDoubt)
            problems.Add($"w{Id}: counter {Counter} is {counter}, acknowledged {_counterAcked} (+{_counterDoubt} in doubt)");

        var list = Resp.ParseFlatArray(c.Command("LRANGE", List, "0", "-1"));
        int expected = _ackedPushes.Count - 1; // LPUSH: the newest element is at the head, so walk acks backwards
        foreach (var element in list)
        {
            if (expected >= 0 && element == _ackedPushes[expected]) expected--;
            else if (!_doubtPushes.Contains(element!)) problems.Add($"w{Id}: list {List} holds {element}, never acknowledged nor in doubt");
        }
        if (expected >= 0)
            problems.Add($"w{Id}: list {List} lost acknowledged element {_ackedPushes[expected]} ({expected + 1} of {_ackedPushes.Count} missing or out of order)");
        return problems;
    }

    public override string ToString() =>
        $"w{Id}: {Acked} acked ({_ackedSets.Count} SET, counter {_counterAcked}, {_ackedPushes.Count} LPUSH), {Refused} refused, {ReadOnlyReplies} read-only, {Broken} broken";
}
