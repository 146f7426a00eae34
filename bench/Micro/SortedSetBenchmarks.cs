using System.Text;
using BenchmarkDotNet.Attributes;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Bench.Micro;

/// <summary>
/// redis-benchmark's ZADD shape at the store (no log, no RESP): one sorted set of 100 k members "element:N", each
/// ZADD moving a random member to a random integer score below 100 k (ties happen, as in redis-benchmark); and
/// reads of the same set: ZRANK of a random member, ZRANGE of 10 elements by rank, ZRANGEBYSCORE with LIMIT 10.
/// 1000 operations per invocation, over precomputed random members and scores.
/// </summary>
[MemoryDiagnoser]
public class SortedSetBenchmarks
{
    private const int Members = 100_000;
    private const int Ops = 1000;
    private Store _store = null!;
    private readonly Session _session = new();
    private readonly byte[] _key = "myzset"u8.ToArray();
    private byte[][] _names = null!;
    private int[] _picks = null!;
    private double[] _scores = null!;
    private readonly double[] _score = new double[1];
    private readonly List<ScoredMember> _into = [];
    private int _next;

    private sealed class Pair(byte[] key) : IKeyList
    {
        public byte[] Member = [];
        public int Count => 2;
        public ReadOnlySpan<byte> this[int index] => index == 0 ? key : Member;
    }

    private Pair _pair = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new Store(new StoreOptions { Shards = 4 }, null);
        _pair = new Pair(_key);
        var random = new Random(1);
        _names = new byte[Members][];
        for (int i = 0; i < Members; i++)
        {
            _names[i] = Encoding.ASCII.GetBytes("element:" + i.ToString("D6"));
            Add(_names[i], random.Next(Members));
        }
        _picks = new int[1 << 16];
        _scores = new double[_picks.Length];
        for (int i = 0; i < _picks.Length; i++)
        {
            _picks[i] = random.Next(Members);
            _scores[i] = random.Next(Members);
        }
    }

    private void Add(byte[] member, double score)
    {
        _pair.Member = member;
        _score[0] = score;
        _store.SortedSetAdd(_session, _key, ZAddFlags.None, _pair, 0, _score);
    }

    private int Next() => _next = (_next + 1) & (_picks.Length - 1);

    [Benchmark(OperationsPerInvoke = Ops)]
    public void ZaddMove()
    {
        for (int i = 0; i < Ops; i++)
        {
            int n = Next();
            Add(_names[_picks[n]], _scores[n] + (_next & 1) * 0.5); // a new score each lap over the picks
        }
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public long Zrank()
    {
        long sum = 0;
        for (int i = 0; i < Ops; i++) sum += _store.SortedSetRank(_session, _key, _names[_picks[Next()]], false, out _);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public void ZrangeByRank10()
    {
        var query = new ZRangeQuery { By = ZRangeBy.Rank };
        for (int i = 0; i < Ops; i++)
        {
            _into.Clear();
            query.Start = _picks[Next()] % (Members - 10);
            query.Stop = query.Start + 9;
            _store.SortedSetRange(_session, _key, query, _into);
        }
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public void ZrangeByScoreLimit10()
    {
        var query = new ZRangeQuery { By = ZRangeBy.Score, Limit = 10 };
        for (int i = 0; i < Ops; i++)
        {
            _into.Clear();
            query.Scores = new ScoreRange(_scores[Next()], false, double.PositiveInfinity, false);
            _store.SortedSetRange(_session, _key, query, _into);
        }
    }
}
