using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Replication commands on a standalone primary, with Redis's replies (runs against redis-server too).</summary>
[Collection(ServerCollection.Name)]
public sealed class ReplicationCommandTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Role_of_a_primary_without_replicas()
    {
        var reply = Cmd("ROLE");
        Assert.StartsWith("*3\r\n$6\r\nmaster\r\n:", reply);
        Assert.EndsWith("*0\r\n", reply);
    }

    [Fact]
    public void Replicaof_refuses_a_bad_port_and_no_one_is_ok_on_a_primary()
    {
        Expect(Resp.Err("ERR Invalid master port"), "REPLICAOF", "127.0.0.1", "70000");
        Expect(Resp.Err("ERR Invalid master port"), "SLAVEOF", "127.0.0.1", "abc");
        Expect(Resp.Ok, "REPLICAOF", "NO", "ONE");
        Expect(Resp.Err("ERR wrong number of arguments for 'replicaof' command"), "REPLICAOF", "NO");
    }

    [Fact]
    public void Wait_without_replicas_answers_zero_and_checks_its_arguments()
    {
        Expect(Resp.Int(0), "WAIT", "0", "10");
        Expect(Resp.Int(0), "WAIT", "1", "10");
        Expect(Resp.Err("ERR timeout is negative"), "WAIT", "1", "-1");
        Expect(Resp.NotInteger, "WAIT", "x", "1");
    }

    [Fact]
    public void Info_replication_names_the_role_and_offsets()
    {
        var info = Cmd("INFO", "replication");
        Assert.Contains("role:master\r\n", info);
        Assert.Contains("connected_slaves:0\r\n", info);
        Assert.Matches("master_replid:[0-9a-f]{40}\r\n", info);
        Assert.Matches("master_repl_offset:[0-9]+\r\n", info);
    }
}
