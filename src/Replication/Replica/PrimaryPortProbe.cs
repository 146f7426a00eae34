using System.Net.Sockets;
using System.Text;

namespace HyperCache.Replication.Replica;

/// <summary>
/// REPLICAOF names the primary's RESP host and port; its log-shipping (gRPC) port is asked for over RESP with
/// <c>REPLCONF GETPORT</c>, so replication_port can be anything without the replica being told. With a masterauth,
/// (and a masteruser) the probe authenticates first, as a Redis replica does.
/// </summary>
public static class PrimaryPortProbe
{
    public static async Task<int> AskAsync(string host, int respPort, string user, string password, string sourceAddress, CancellationToken ct)
    {
        using var tcp = new TcpClient { NoDelay = true };
        SourceBinding.Bind(tcp.Client, sourceAddress);
        await tcp.ConnectAsync(host, respPort, ct);
        var stream = tcp.GetStream();
        if (password.Length > 0)
        {
            await stream.WriteAsync(user.Length == 0 ? Command("AUTH", password) : Command("AUTH", user, password), ct);
            string auth = await ReadLineAsync(stream, ct);
            if (auth != "+OK") throw new IOException($"the primary refused masterauth: '{auth}'");
        }
        await stream.WriteAsync("*2\r\n$8\r\nREPLCONF\r\n$7\r\nGETPORT\r\n"u8.ToArray(), ct);
        string reply = await ReadLineAsync(stream, ct);
        if (reply.StartsWith(':') && int.TryParse(reply.AsSpan(1), out int port) && port is > 0 and <= 65535) return port;
        throw new IOException($"the primary answered REPLCONF GETPORT with '{reply}'");
    }

    private static byte[] Command(params string[] args)
    {
        var text = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args) text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static async Task<string> ReadLineAsync(NetworkStream stream, CancellationToken ct)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("the primary closed the connection");
            if (one[0] == '\n') return line.ToString();
            if (one[0] != '\r') line.Append((char)one[0]);
            if (line.Length > 512) throw new IOException("reply too long");
        }
    }
}
