using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO: replies and errors as Redis 7.0.15.</summary>
[Collection(StringsCollection.Name)]
public sealed class BitmapTests(NodeFixture node) : E2ETest(node)
{
    private static readonly string BitOffsetError = Resp.Err("ERR bit offset is not an integer or out of range");
    private static readonly string BitValueError = Resp.Err("ERR bit is not an integer or out of range");
    private static readonly string BitFieldTypeError = Resp.Err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");

    private static string Ints(params long?[] values) =>
        Resp.Array(values.Select(v => v is { } n ? Resp.Int(n) : Resp.Nil).ToArray());

    [Fact]
    public void Setbit_and_getbit_number_bits_from_the_most_significant_bit_of_byte_zero()
    {
        Expect(Resp.Int(0), "SETBIT", K(), "7", "1");
        Expect(Resp.Bulk("\x01"), "GET", K());
        Expect(Resp.Int(0), "SETBIT", K(), "0", "1");
        Expect(Resp.Bulk("\x81"), "GET", K());
        Expect(Resp.Int(1), "SETBIT", K(), "7", "0");
        Expect(Resp.Bulk("\x80"), "GET", K());
        Expect(Resp.Int(1), "GETBIT", K(), "0");
        Expect(Resp.Int(0), "GETBIT", K(), "1");
        Expect(Resp.Int(0), "GETBIT", K(), "1000");
        Expect(Resp.Int(0), "GETBIT", K("missing"), "3");
        Expect(Resp.Simple("string"), "TYPE", K());
        Expect(Resp.Bulk("raw"), "OBJECT", "ENCODING", K()); // a bitmap is a raw string, however short
        Expect(Resp.Int(1), "BITOP", "NOT", K("not"), K());
        Expect(Resp.Bulk("raw"), "OBJECT", "ENCODING", K("not"));
        Expect(Resp.Array(Resp.Int(0)), "BITFIELD", K("field"), "SET", "u8", "0", "1");
        Expect(Resp.Bulk("raw"), "OBJECT", "ENCODING", K("field"));
    }

    [Fact]
    public void Setbit_grows_the_string_with_zero_bytes_and_keeps_the_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "a", "EX", "100");
        Expect(Resp.Int(0), "SETBIT", K(), "31", "1");
        Expect(Resp.Bulk("a\0\0\x01"), "GET", K());
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K()));
        Expect(Resp.Int(0), "SETBIT", K("zero"), "20", "0"); // clearing a bit still creates the key
        Expect(Resp.Bulk("\0\0\0"), "GET", K("zero"));
    }

    [Fact]
    public void Setbit_and_getbit_reject_bad_offsets_and_bits()
    {
        Expect(BitOffsetError, "SETBIT", K(), "-1", "1");
        Expect(BitOffsetError, "SETBIT", K(), "4294967296", "1"); // 2^32: past 512 MB
        Expect(BitOffsetError, "SETBIT", K(), "abc", "1");
        Expect(BitOffsetError, "SETBIT", K(), "1.5", "1");
        Expect(BitValueError, "SETBIT", K(), "4294967295", "2"); // the largest offset is fine; the bit is not
        Expect(BitValueError, "SETBIT", K(), "1", "-1");
        Expect(BitValueError, "SETBIT", K(), "1", "x");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Int(0), "GETBIT", K(), "4294967295");
        Expect(BitOffsetError, "GETBIT", K(), "4294967296");
        Expect(BitOffsetError, "GETBIT", K(), "-1");
        Expect(Resp.WrongArity("setbit"), "SETBIT", K(), "1");
        Expect(Resp.WrongArity("getbit"), "GETBIT", K());
    }

    [Fact]
    public void Bit_commands_on_another_type_are_wrongtype_after_argument_errors()
    {
        var other = OtherType.Make(Raw, K("other"));
        if (other is null) return; // no collection type in this server yet
        Expect(Resp.WrongType, "SETBIT", other, "1", "1");
        Expect(BitOffsetError, "SETBIT", other, "-1", "1");
        Expect(Resp.WrongType, "GETBIT", other, "0");
        Expect(Resp.WrongType, "BITCOUNT", other);
        Expect(Resp.WrongType, "BITPOS", other, "1");
        Expect(Resp.WrongType, "BITOP", "AND", K("d"), other);
        Expect(Resp.WrongType, "BITFIELD", other, "GET", "i8", "0");
        Expect(Resp.WrongType, "BITFIELD", other, "SET", "i8", "0", "1");
        Expect(Resp.WrongType, "BITFIELD_RO", other, "GET", "i8", "0");
    }

    [Fact]
    public void Bitcount_counts_set_bits_in_byte_and_bit_ranges()
    {
        Expect(Resp.Ok, "SET", K(), "foobar");
        Expect(Resp.Int(26), "BITCOUNT", K());
        Expect(Resp.Int(4), "BITCOUNT", K(), "0", "0");
        Expect(Resp.Int(6), "BITCOUNT", K(), "1", "1");
        Expect(Resp.Int(6), "BITCOUNT", K(), "1", "1", "BYTE");
        Expect(Resp.Int(17), "BITCOUNT", K(), "5", "30", "BIT");
        Expect(Resp.Int(17), "BITCOUNT", K(), "5", "30", "bit");
        Expect(Resp.Int(26), "BITCOUNT", K(), "0", "-1");
        Expect(Resp.Int(26), "BITCOUNT", K(), "-100", "100");
        Expect(Resp.Int(4), "BITCOUNT", K(), "-1", "-1");
        Expect(Resp.Int(1), "BITCOUNT", K(), "-3", "-1", "BIT"); // the last three bits of 'r' (0x72)
        Expect(Resp.Int(0), "BITCOUNT", K(), "3", "2");
        Expect(Resp.Int(0), "BITCOUNT", K(), "-1", "-5");
        Expect(Resp.Int(0), "BITCOUNT", K(), "-1", "-5", "nonsense"); // empty range: answered before the unit
        Expect(Resp.Int(0), "BITCOUNT", K("missing"));
        Expect(Resp.Int(0), "BITCOUNT", K("missing"), "x", "y", "z"); // a missing key is 0 before parsing
    }

    [Fact]
    public void Bitcount_argument_errors()
    {
        Expect(Resp.Ok, "SET", K(), "foobar");
        Expect(Resp.SyntaxError, "BITCOUNT", K(), "0");
        Expect(Resp.SyntaxError, "BITCOUNT", K(), "0", "1", "WORD");
        Expect(Resp.SyntaxError, "BITCOUNT", K(), "0", "1", "BIT", "x");
        Expect(Resp.NotInteger, "BITCOUNT", K(), "a", "1");
        Expect(Resp.NotInteger, "BITCOUNT", K(), "0", "1.0");
        Expect(Resp.WrongArity("bitcount"), "BITCOUNT");
    }

    [Fact]
    public void Bitpos_finds_the_first_set_or_clear_bit()
    {
        Expect(Resp.Ok, "SET", K(), "\xff\xf0\x00");
        Expect(Resp.Int(12), "BITPOS", K(), "0");
        Expect(Resp.Ok, "SET", K(), "\x00\xff\xf0");
        Expect(Resp.Int(8), "BITPOS", K(), "1", "0");
        Expect(Resp.Int(16), "BITPOS", K(), "1", "2");
        Expect(Resp.Int(16), "BITPOS", K(), "1", "2", "-1", "BYTE");
        Expect(Resp.Int(8), "BITPOS", K(), "1", "7", "15", "BIT");
        Expect(Resp.Int(20), "BITPOS", K(), "0", "12", "-1", "bit");
        Expect(Resp.Int(-1), "BITPOS", K(), "1", "3");
        Expect(Resp.Ok, "SET", K(), "\x00\x00\x00");
        Expect(Resp.Int(-1), "BITPOS", K(), "1");
        Expect(Resp.Int(-1), "BITPOS", K(), "1", "7", "-3", "BIT");
    }

    [Fact]
    public void Bitpos_for_a_clear_bit_past_an_all_ones_string_depends_on_an_explicit_end()
    {
        Expect(Resp.Ok, "SET", K(), "\xff\xff\xff");
        Expect(Resp.Int(24), "BITPOS", K(), "0");          // the string continues with zeros...
        Expect(Resp.Int(24), "BITPOS", K(), "0", "1");
        Expect(Resp.Int(-1), "BITPOS", K(), "0", "0", "-1"); // ...unless the range ends explicitly
        Expect(Resp.Int(-1), "BITPOS", K(), "0", "0", "23", "BIT");
        Expect(Resp.Int(0), "BITPOS", K("missing"), "0");
        Expect(Resp.Int(-1), "BITPOS", K("missing"), "1");
        Expect(Resp.Ok, "SET", K("empty"), "");
        Expect(Resp.Int(-1), "BITPOS", K("empty"), "0");
    }

    [Fact]
    public void Bitpos_argument_errors()
    {
        Expect(Resp.Ok, "SET", K(), "abc");
        Expect(Resp.Err("ERR The bit argument must be 1 or 0."), "BITPOS", K(), "2");
        Expect(Resp.Err("ERR The bit argument must be 1 or 0."), "BITPOS", K("missing"), "2");
        Expect(Resp.NotInteger, "BITPOS", K(), "x");
        Expect(Resp.Int(-1), "BITPOS", K("missing"), "1", "nonsense"); // missing key: answered before the range
        Expect(Resp.NotInteger, "BITPOS", K(), "1", "a");
        Expect(Resp.NotInteger, "BITPOS", K(), "1", "0", "a");
        Expect(Resp.SyntaxError, "BITPOS", K(), "1", "0", "1", "WORD");
        Expect(Resp.SyntaxError, "BITPOS", K(), "1", "0", "1", "BIT", "x");
        Expect(Resp.WrongArity("bitpos"), "BITPOS", K());
    }

    [Fact]
    public void Bitop_and_or_xor_not_pad_shorter_strings_with_zeros()
    {
        Expect(Resp.Ok, "SET", K("a"), "abcdef");
        Expect(Resp.Ok, "SET", K("b"), "ZZZ");
        Expect(Resp.Int(6), "BITOP", "AND", K("d"), K("a"), K("b"));
        Expect(Resp.Bulk("@BB\0\0\0"), "GET", K("d"));
        Expect(Resp.Int(6), "BITOP", "or", K("d"), K("a"), K("b"), K("missing"));
        Expect(Resp.Bulk("{z{def"), "GET", K("d"));
        Expect(Resp.Int(6), "BITOP", "XOR", K("d"), K("a"), K("b"));
        Expect(Resp.Bulk(";89def"), "GET", K("d"));
        Expect(Resp.Int(3), "BITOP", "NOT", K("d"), K("b"));
        Expect(Resp.Bulk("\xa5\xa5\xa5"), "GET", K("d"));
        Expect(Resp.Int(6), "BITOP", "AND", K("d"), K("a"), K("missing"));
        Expect(Resp.Bulk("\0\0\0\0\0\0"), "GET", K("d"));
        Expect(Resp.Int(6), "BITOP", "AND", K("a"), K("a"), K("b")); // the destination may be a source
        Expect(Resp.Bulk("@BB\0\0\0"), "GET", K("a"));
    }

    [Fact]
    public void Bitop_with_an_empty_result_deletes_the_destination_and_a_result_drops_its_ttl()
    {
        Expect(Resp.Ok, "SET", K("d"), "old", "EX", "100");
        Expect(Resp.Ok, "SET", K("s"), "x");
        Expect(Resp.Int(1), "BITOP", "OR", K("d"), K("s"));
        Expect(Resp.Int(-1), "TTL", K("d"));
        Expect(Resp.Int(0), "BITOP", "OR", K("d"), K("missing1"), K("missing2"));
        Expect(Resp.Int(0), "EXISTS", K("d"));
    }

    [Fact]
    public void Bitop_argument_errors()
    {
        Expect(Resp.SyntaxError, "BITOP", "NAND", K("d"), K("a"));
        Expect(Resp.Err("ERR BITOP NOT must be called with a single source key."), "BITOP", "NOT", K("d"), K("a"), K("b"));
        Expect(Resp.WrongArity("bitop"), "BITOP", "NOT", K("d"));
        Expect(Resp.WrongArity("bitop"), "BITOP", "AND");
    }

    [Fact]
    public void Bitfield_get_set_incrby_on_signed_and_unsigned_fields()
    {
        Expect(Ints(0, 100), "BITFIELD", K(), "SET", "i8", "0", "100", "GET", "i8", "0");
        Expect(Ints(1, -56), "BITFIELD", K(), "INCRBY", "u2", "100", "1", "INCRBY", "i8", "0", "100"); // wraps: i8 200 → -56
        Expect(Ints(-56, 200, 1), "BITFIELD", K(), "GET", "i8", "0", "GET", "u8", "0", "GET", "u2", "100");
        Expect(Ints(0), "BITFIELD", K(), "SET", "u8", "#1", "255"); // #1: the second 8-bit field, bits 8..15
        Expect(Ints(255, -1, 15), "BITFIELD", K(), "GET", "u8", "8", "GET", "i8", "#1", "GET", "u4", "12");
        Expect(Ints(0), "BITFIELD", K("n"), "GET", "i64", "4294967000"); // beyond the string: zeros
        Expect(Resp.EmptyArray, "BITFIELD", K("missing"));
        Expect(Resp.Int(0), "EXISTS", K("missing"));
    }

    [Fact]
    public void Bitfield_overflow_wrap_sat_fail()
    {
        Expect(Ints(0, 1, 127, null, 127), "BITFIELD", K(), "SET", "i8", "0", "1",
            "OVERFLOW", "WRAP", "INCRBY", "i8", "0", "0",
            "OVERFLOW", "SAT", "INCRBY", "i8", "0", "200",
            "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1",
            "GET", "i8", "0");
        Expect(Ints(-128, -128), "BITFIELD", K(), "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000", "GET", "i8", "0");
        Expect(Ints(127), "BITFIELD", K(), "INCRBY", "i8", "0", "-1"); // WRAP again by default per call
        Expect(Ints(0, 255), "BITFIELD", K("u"), "SET", "u8", "0", "-1", "GET", "u8", "0"); // -1 wraps to 255
        Expect(Ints(255, 0, 255, 0), "BITFIELD", K("u"), "OVERFLOW", "SAT", "SET", "u8", "0", "300",
            "INCRBY", "u8", "0", "-300", "INCRBY", "u8", "0", "300", "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "1");
        Expect(Ints([null]), "BITFIELD", K("u"), "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "256");
        Expect(Ints(null, 0), "BITFIELD", K("f"), "OVERFLOW", "FAIL", "SET", "u8", "100", "256", "GET", "u8", "100");
        Expect(Resp.Bulk(new string('\0', 14)), "GET", K("f")); // a failed write still grows the string
    }

    [Fact]
    public void Bitfield_64_bit_limits()
    {
        Expect(Ints(0, 9223372036854775807, long.MinValue), "BITFIELD", K(), "SET", "i64", "0", "-9223372036854775808",
            "INCRBY", "i64", "0", "-1", "INCRBY", "i64", "0", "1");
        Expect(Ints(long.MinValue, long.MinValue), "BITFIELD", K(), "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1", "GET", "i64", "0");
        Expect(Ints(0, 0, 9223372036854775807), "BITFIELD", K("u"), "SET", "u63", "3", "9223372036854775807",
            "INCRBY", "u63", "3", "1", "INCRBY", "u63", "3", "-1");
    }

    [Fact]
    public void Bitfield_keeps_the_ttl_and_returns_the_written_bytes()
    {
        Expect(Resp.Ok, "SET", K(), "a", "PX", "100000");
        Expect(Ints(97), "BITFIELD", K(), "SET", "u8", "0", "98");
        Expect(Resp.Bulk("b"), "GET", K());
        Assert.NotEqual(Resp.Int(-1), Cmd("PTTL", K()));
        Expect(Ints(0, 3), "BITFIELD", K("t"), "SET", "i3", "#5", "3", "GET", "i3", "#5");
        Expect(Resp.Bulk("\0\0\xc0"), "GET", K("t")); // bits 15..17 = 011
    }

    [Fact]
    public void Bitfield_argument_errors()
    {
        Expect(Resp.Ok, "SET", K(), "abc");
        Expect(BitFieldTypeError, "BITFIELD", K(), "GET", "i65", "0");
        Expect(BitFieldTypeError, "BITFIELD", K(), "GET", "u64", "0");
        Expect(BitFieldTypeError, "BITFIELD", K(), "GET", "I8", "0");
        Expect(BitFieldTypeError, "BITFIELD", K(), "GET", "i0", "0");
        Expect(BitFieldTypeError, "BITFIELD", K(), "GET", "x8", "0");
        Expect(BitOffsetError, "BITFIELD", K(), "GET", "i8", "-1");
        Expect(BitOffsetError, "BITFIELD", K(), "GET", "u8", "#-1");
        Expect(BitOffsetError, "BITFIELD", K(), "GET", "i8", "#536870912"); // 2^29 bytes
        Expect(Resp.SyntaxError, "BITFIELD", K(), "FOO");
        Expect(Resp.SyntaxError, "BITFIELD", K(), "GET", "i8");
        Expect(Resp.SyntaxError, "BITFIELD", K(), "SET", "i8", "0");
        Expect(Resp.SyntaxError, "BITFIELD", K(), "OVERFLOW");
        Expect(Resp.Err("ERR Invalid OVERFLOW type specified"), "BITFIELD", K(), "OVERFLOW", "FOO", "GET", "i8", "0");
        Expect(Resp.NotInteger, "BITFIELD", K(), "SET", "i8", "0", "x");
        Expect(Resp.NotInteger, "BITFIELD", K(), "INCRBY", "i8", "0", "1.5");
        // Nothing ran: an error anywhere refuses the whole command.
        Expect(BitFieldTypeError, "BITFIELD", K(), "SET", "u8", "0", "1", "GET", "u99", "0");
        Expect(Resp.Bulk("abc"), "GET", K());
        Expect(Resp.WrongArity("bitfield"), "BITFIELD");
    }

    [Fact]
    public void Bitfield_ro_reads_and_refuses_writes()
    {
        Expect(Resp.Ok, "SET", K(), "\x80\x01");
        Expect(Ints(-128, 1, 1), "BITFIELD_RO", K(), "GET", "i8", "0", "GET", "u8", "#1", "GET", "u1", "15");
        Expect(Ints(0), "BITFIELD_RO", K("missing"), "GET", "u8", "0");
        Expect(Resp.Err("ERR BITFIELD_RO only supports the GET subcommand"), "BITFIELD_RO", K(), "SET", "i8", "0", "1");
        Expect(Resp.Err("ERR BITFIELD_RO only supports the GET subcommand"), "BITFIELD_RO", K(), "GET", "u8", "0", "INCRBY", "i8", "0", "1");
        Expect(Resp.NotInteger, "BITFIELD_RO", K(), "INCRBY", "i8", "0", "x"); // parsing comes first
        Expect(Resp.Int(0), "EXISTS", K("missing"));
        Expect(Resp.WrongArity("bitfield_ro"), "BITFIELD_RO");
    }

    [Fact]
    public void Bitmap_survives_a_bitop_over_many_bits()
    {
        for (int i = 0; i < 64; i += 3) Expect(Resp.Int(0), "SETBIT", K("a"), (i * 37).ToString(), "1");
        for (int i = 0; i < 64; i += 2) Expect(Resp.Int(0), "SETBIT", K("b"), (i * 37).ToString(), "1");
        Expect(Resp.Int(22), "BITCOUNT", K("a"));
        Expect(Resp.Int(32), "BITCOUNT", K("b"));
        Cmd("BITOP", "AND", K("and"), K("a"), K("b"));
        Expect(Resp.Int(11), "BITCOUNT", K("and")); // multiples of 6
        Cmd("BITOP", "OR", K("or"), K("a"), K("b"));
        Expect(Resp.Int(43), "BITCOUNT", K("or"));
        Expect(Resp.Int(0), "BITPOS", K("and"), "1");
        Expect(Resp.Int(6 * 37), "BITPOS", K("and"), "1", "1", "-1", "BIT");
    }
}
