using System.Security.Cryptography;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>The ACL file (--aclfile): users read at start, ACL SAVE writing them, ACL LOAD replacing them whole or
/// not at all, with the lines and errors redis-server 7.0.15 gives for the same files (checked by hand against it:
/// its messages name the file, whose path differs here).</summary>
public sealed class AclFileTests
{
    private const string NoChange = "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";

    [HyperCacheFact]
    public void Users_come_from_the_file_save_writes_them_and_load_replaces_them_all_or_nothing()
    {
        string file = Path.Combine(Path.GetTempPath(), "hc-e2e-acl-" + Guid.NewGuid().ToString("N") + ".acl");
        File.WriteAllText(file, "user alice on >pw ~* +get\n\nuser bob off\n");
        string hash = Convert.ToHexStringLower(SHA256.HashData("pw"u8));
        string alice = $"user alice on #{hash} ~* resetchannels -@all +get", bob = "user bob off resetchannels -@all";
        const string defaultUser = "user default on nopass ~* &* +@all";
        try
        {
            using var node = new NodeProcess(extraArgs: ["--aclfile", file]);
            node.Start();
            using var admin = node.Raw();
            Assert.Equal(Resp.BulkArray(alice, bob, defaultUser), admin.Command("ACL", "LIST"));
            Assert.Equal(Resp.BulkArray("aclfile", file), admin.Command("CONFIG", "GET", "aclfile"));
            using var asAlice = node.Raw();
            Assert.Equal(Resp.Ok, asAlice.Command("AUTH", "alice", "pw"));
            using var asDefault = node.Raw();
            Assert.Equal(Resp.Simple("PONG"), asDefault.Command("PING"));

            Assert.Equal(Resp.Ok, admin.Command("ACL", "SETUSER", "carol", "on"));
            Assert.Equal(Resp.Ok, admin.Command("ACL", "SAVE"));
            Assert.Equal($"{alice}\n{bob}\nuser carol on resetchannels -@all\n{defaultUser}\n", File.ReadAllText(file));

            File.WriteAllText(file, "user alice on >pw ~* +get\nuser bob off +nocmd\n");
            Assert.Equal(Resp.Err($"ERR {file}:2: Error in applying operation '+nocmd': Unknown command or category name in ACL. {NoChange}"), admin.Command("ACL", "LOAD"));
            File.WriteAllText(file, "user alice on >pw ~* +get\nuser alice off\n");
            Assert.Equal(Resp.Err($"ERR WARNING: Duplicate user 'alice' found on line 2. {NoChange}"), admin.Command("ACL", "LOAD"));
            File.WriteAllText(file, "# users\nuser alice on\n");
            Assert.Equal(Resp.Err($"ERR {file}:1 should start with user keyword followed by the username. {NoChange}"), admin.Command("ACL", "LOAD"));
            Assert.Equal(Resp.Bulk(null), asAlice.Command("GET", "x")); // nothing changed
            Assert.Equal(4, Resp.ParseFlatArray(admin.Command("ACL", "LIST")).Count);

            // A good file replaces every user; the replaced users' connections close, the default user's stay.
            File.WriteAllText(file, "user zed on nopass +@all ~*\n");
            Assert.Equal(Resp.Ok, admin.Command("ACL", "LOAD"));
            Assert.Equal("", asAlice.ReadUntilClosed());
            Assert.Equal(Resp.Simple("PONG"), asDefault.Command("PING"));
            Assert.Equal(Resp.BulkArray(defaultUser, "user zed on nopass ~* resetchannels +@all"), admin.Command("ACL", "LIST"));

            node.Terminate(TimeSpan.FromSeconds(20));
            node.Start();
            using var again = node.Raw();
            Assert.Equal(Resp.Ok, again.Command("AUTH", "zed", "x"));
            Assert.Equal("$3\r\nzed\r\n", again.Command("ACL", "WHOAMI"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [HyperCacheFact]
    public void Without_an_acl_file_load_and_save_are_refused_as_redis_refuses_them()
    {
        using var node = new NodeProcess();
        node.Start();
        using var c = node.Raw();
        foreach (var sub in new[] { "LOAD", "SAVE" })
            Assert.StartsWith("-ERR This Redis instance is not configured to use an ACL file.", c.Command("ACL", sub));
    }
}
