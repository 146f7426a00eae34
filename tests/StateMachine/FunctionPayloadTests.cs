using System.Text;
using HyperCache.StateMachine.Dump;

namespace HyperCache.StateMachine.Tests;

/// <summary>FUNCTION DUMP / RESTORE payloads in Redis 7.0's format: a real redis-server payload, round trips, and
/// Redis's three errors.</summary>
public class FunctionPayloadTests
{
    private const string Code = "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)";

    [Fact]
    public void A_redis_server_payload_is_read_and_written_byte_for_byte()
    {
        // redis-server 7.0.15: FUNCTION LOAD of Code; FUNCTION DUMP
        byte[] payload = Convert.FromHexString("F54046" + Convert.ToHexString(Encoding.UTF8.GetBytes(Code)) + "0A0098FA439BF0A7A5A2");
        var codes = FunctionPayload.Decode(payload);
        Assert.Equal(Code, Encoding.UTF8.GetString(Assert.Single(codes)));
        Assert.Equal(payload, FunctionPayload.Encode(codes));
    }

    [Fact]
    public void Several_libraries_and_none_round_trip()
    {
        byte[][] codes = [Encoding.UTF8.GetBytes(Code), Encoding.UTF8.GetBytes("#!lua name=b\n" + new string('x', 20_000)), []];
        Assert.Equal(codes, FunctionPayload.Decode(FunctionPayload.Encode(codes)));
        Assert.Empty(FunctionPayload.Decode(FunctionPayload.Encode([])));
    }

    [Fact]
    public void Bad_payloads_get_redis_s_errors()
    {
        var good = FunctionPayload.Encode([Encoding.UTF8.GetBytes(Code)]);
        var flipped = (byte[])good.Clone();
        flipped[3] ^= 1;
        Assert.Equal(DumpFormatException.BadFooter, Assert.Throws<DumpFormatException>(() => FunctionPayload.Decode(flipped)).Message);
        Assert.Equal(DumpFormatException.BadFooter, Assert.Throws<DumpFormatException>(() => FunctionPayload.Decode(DumpPayloadTests.WithFooter([0xF5, 0x01, (byte)'x'], 11))).Message);
        // a key's DUMP (a string: type 0) is not a library
        Assert.Equal(FunctionPayload.NotAFunction, Assert.Throws<DumpFormatException>(() => FunctionPayload.Decode(DumpPayloadTests.WithFooter([0x00, 0x01, (byte)'v'], 10))).Message);
        // the opcode, then a string that claims more than there is
        Assert.Equal(FunctionPayload.Unreadable, Assert.Throws<DumpFormatException>(() => FunctionPayload.Decode(DumpPayloadTests.WithFooter([0xF5, 0x40, 0x46, (byte)'#'], 10))).Message);
    }
}
