using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>StreamValue against a plain sorted model: random appends, deletes, trims and range reads agree.</summary>
public class StreamValueTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_operations_agree_with_a_sorted_model(int seed)
    {
        var random = new Random(seed);
        var stream = new StreamValue();
        var model = new SortedDictionary<StreamId, byte[][]>();
        var last = StreamId.Zero;
        var maxDeleted = StreamId.Zero;
        long added = 0;
        StreamId RandomId() => new((ulong)random.Next(0, (int)Math.Max(10, last.Ms + 5)), (ulong)random.Next(0, 4));

        for (int op = 0; op < 20_000; op++)
        {
            switch (random.Next(10))
            {
                case < 5: // append, in runs so chunks fill up
                {
                    var id = random.Next(3) == 0 ? new StreamId(last.Ms + (ulong)random.Next(1, 3), (ulong)random.Next(3)) : new StreamId(last.Ms, last.Seq + 1);
                    var fields = new[] { Of("f"), Of("v" + op) };
                    stream.Add(id, fields);
                    model[id] = fields;
                    last = id;
                    added++;
                    break;
                }
                case 5 or 6:
                {
                    var id = random.Next(2) == 0 && model.Count > 0 ? model.Keys.ElementAt(random.Next(model.Count)) : RandomId();
                    bool present = model.Remove(id);
                    Assert.Equal(present, stream.Delete(id));
                    if (present && id > maxDeleted) maxDeleted = id;
                    break;
                }
                case 7:
                {
                    long n = random.Next(0, 40);
                    stream.TrimFirst(n);
                    foreach (var id in model.Keys.Take((int)n).ToList()) model.Remove(id);
                    break;
                }
                case 8:
                {
                    var id = RandomId();
                    long cap = random.Next(1, 300);
                    Assert.Equal(Math.Min(cap, model.Keys.Count(k => k < id)), stream.CountBelow(id, cap));
                    break;
                }
                default:
                {
                    StreamId a = RandomId(), b = RandomId();
                    if (random.Next(5) == 0) a = StreamId.Zero;
                    if (random.Next(5) == 0) b = StreamId.Max;
                    long count = random.Next(0, 3) == 0 ? 0 : random.Next(1, 50);
                    bool reverse = random.Next(2) == 0;
                    var expected = model.Keys.Where(k => k >= a && k <= b);
                    if (reverse) expected = expected.Reverse();
                    if (count > 0) expected = expected.Take((int)count);
                    var actual = new List<StreamEntry>();
                    stream.Range(a, b, count, reverse, actual);
                    Assert.Equal(expected.ToList(), actual.Select(e => e.Id).ToList());
                    break;
                }
            }
            Assert.Equal(model.Count, stream.Count);
        }
        Assert.Equal(last, stream.LastId);
        Assert.Equal(maxDeleted, stream.MaxDeletedId);
        Assert.Equal(added, stream.EntriesAdded);
        Assert.Equal(model.Keys.FirstOrDefault(), stream.First?.Id ?? StreamId.Zero);
        var all = new List<StreamEntry>();
        stream.Range(StreamId.Zero, StreamId.Max, 0, false, all);
        Assert.Equal(model.Select(p => (p.Key, Text(p.Value[1]))), all.Select(e => (e.Id, Text(e.Fields[1]))));
    }

    [Fact]
    public void Size_goes_back_to_the_empty_stream_when_every_entry_is_gone()
    {
        var stream = new StreamValue();
        stream.Resized();
        long empty = stream.SizeBytes;
        for (int i = 1; i <= 1000; i++) stream.Add(new StreamId((ulong)i, 0), [Of("field"), Of("value" + i)]);
        Assert.True(stream.SizeBytes > empty + 1000 * 64);
        for (int i = 1; i <= 1000; i += 2) stream.Delete(new StreamId((ulong)i, 0));
        stream.TrimFirst(1000);
        Assert.Equal(0, stream.Count);
        // The chunk array's own length is kept (it never shrinks), so allow for it.
        Assert.InRange(stream.SizeBytes - empty, 0, MemorySize.Array(16, MemorySize.Reference));
    }

    [Fact]
    public void Clone_is_independent_and_equal()
    {
        var stream = new StreamValue();
        for (int i = 1; i <= 300; i++) stream.Add(new StreamId(7, (ulong)i), [Of("f"), Of("v" + i)]);
        stream.Delete(new StreamId(7, 5));
        var copy = (StreamValue)stream.Clone();
        Assert.Equal(stream.SizeBytes, copy.SizeBytes);
        copy.Add(new StreamId(8, 0), [Of("x"), Of("y")]);
        copy.TrimFirst(10);
        Assert.Equal(299, stream.Count);
        Assert.Equal(new StreamId(7, 300), stream.LastId);
        Assert.Equal(290, copy.Count);
        Assert.Equal(new StreamId(7, 5), copy.MaxDeletedId);
    }

    [Fact]
    public void Next_and_previous_ids_step_over_the_seq_limit_and_stop_at_the_ends()
    {
        var id = new StreamId(0, 1);
        Assert.True(id.TryPrevious(out id)); // into the same variable
        Assert.Equal(StreamId.Zero, id);
        Assert.False(id.TryPrevious(out _));
        id = new StreamId(3, ulong.MaxValue);
        Assert.True(id.TryNext(out id));
        Assert.Equal(new StreamId(4, 0), id);
        Assert.True(id.TryPrevious(out id));
        Assert.Equal(new StreamId(3, ulong.MaxValue), id);
        Assert.False(StreamId.Max.TryNext(out _));
    }

    [Theory]
    [InlineData("1-2", 1UL, 2UL, true)]
    [InlineData("5", 5UL, 9UL, true)]
    [InlineData("18446744073709551615-18446744073709551615", ulong.MaxValue, ulong.MaxValue, true)]
    [InlineData("18446744073709551616", 0UL, 0UL, false)]
    [InlineData("-1", 0UL, 0UL, false)]
    [InlineData("1-", 0UL, 0UL, false)]
    [InlineData("1-2-3", 0UL, 0UL, false)]
    [InlineData("", 0UL, 0UL, false)]
    [InlineData("+", 0UL, 0UL, false)]
    public void Ids_parse_as_redis_reads_them(string text, ulong ms, ulong seq, bool ok)
    {
        Assert.Equal(ok, StreamId.TryParse(Of(text), 9, false, out var id, out _));
        if (ok) Assert.Equal(new StreamId(ms, seq), id);
        Assert.True(StreamId.TryParse(Of("3-*"), 0, true, out id, out bool seqGiven));
        Assert.False(seqGiven);
        Assert.False(StreamId.TryParse(Of("3-*"), 0, false, out _, out _));
    }
}
