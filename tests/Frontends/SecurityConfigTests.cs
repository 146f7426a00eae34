using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Tests;

/// <summary>requirepass and protected mode: where they come from, and when a node refuses to start.</summary>
public class SecurityConfigTests
{
    [Fact]
    public void Requirepass_and_protected_mode_from_yaml_flags_and_environment()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, """
            security:
              requirepass: "from yaml"
              protected_mode: false
            """);
        try
        {
            var fromYaml = ConfigLoader.Load(file, new Dictionary<string, string>(), _ => null);
            Assert.Equal("from yaml", fromYaml.RequirePass);
            Assert.False(fromYaml.ProtectedMode);

            var fromFlag = ConfigLoader.Load(file, new Dictionary<string, string> { ["security.requirepass"] = "flag", ["security.protected_mode"] = "yes" }, _ => null);
            Assert.Equal("flag", fromFlag.RequirePass);
            Assert.True(fromFlag.ProtectedMode);

            var fromEnv = ConfigLoader.Load(file, new Dictionary<string, string>(),
                name => name == "HYPERCACHE_SECURITY_REQUIREPASS" ? "env" : null);
            Assert.Equal("env", fromEnv.RequirePass);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Defaults_are_no_password_and_protected_mode_on()
    {
        var config = new NodeConfig();
        Assert.Equal("", config.RequirePass);
        Assert.True(config.ProtectedMode);
        Assert.Null(ProtectedMode.Refusal(config));
    }

    [Theory]
    [InlineData("0.0.0.0", "", true, true)]
    [InlineData("*", "", true, true)]
    [InlineData("127.0.0.1 10.1.2.3", "", true, true)]
    [InlineData("::", "", true, true)]
    [InlineData("0.0.0.0", "secret", true, false)]
    [InlineData("0.0.0.0", "", false, false)]
    [InlineData("127.0.0.1", "", true, false)]
    [InlineData("127.0.0.1 ::1 localhost", "", true, false)]
    public void Protected_mode_refuses_a_non_loopback_bind_without_a_password(string bind, string password, bool protectedMode, bool refused)
    {
        var config = new NodeConfig { Bind = bind, RequirePass = password, ProtectedMode = protectedMode };
        var refusal = ProtectedMode.Refusal(config);
        Assert.Equal(refused, refusal != null);
        if (refusal != null)
        {
            Assert.Contains("security.requirepass", refusal);
            Assert.Contains("--protected-mode no", refusal);
        }
    }
}
