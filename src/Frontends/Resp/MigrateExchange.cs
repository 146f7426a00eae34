using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>What MIGRATE asks of the target: where, its credentials, the database, each RESTORE's key, TTL and payload.</summary>
public sealed record MigrateRequest(string Host, string Port, long Db, long TimeoutMs, byte[]? Username, byte[]? Password,
    bool Replace, IReadOnlyList<MigratingKey> Keys, long[] Ttls);

/// <summary>How the exchange ended: which keys the target restored (in request order), the error to reply (null:
/// +OK), and the local end of the socket that carried it (how the node recognizes a MIGRATE to itself).</summary>
public sealed record MigrateOutcome(bool[] Restored, string? Error, string? LocalEndPoint = null);

/// <summary>
/// MIGRATE's conversation with the target, as Redis 7.0 has it: AUTH (when given), SELECT (unless the cached
/// connection has that database selected), then every RESTORE, pipelined in one write (64 KB chunks), then one reply
/// line each. Every connect, write and read has the command's timeout. A socket error before the first RESTORE reply
/// (not a timeout) closes the cached connection and tries once more on a new one, as Redis does with a stale socket.
/// </summary>
public static class MigrateExchange
{
    public const string ConnectError = "IOERR error or timeout connecting to the client";
    public const string WriteError = "IOERR error or timeout writing to target instance";
    public const string ReadError = "IOERR error or timeout reading to target instance";
    private const int Chunk = 64 * 1024;
    private const int MaxLine = 1024; // Redis reads each reply into a 1 KB buffer

    public static async Task<MigrateOutcome> RunAsync(MigrateSockets cache, MigrateRequest request)
    {
        string target = request.Host + ":" + request.Port;
        var restored = new bool[request.Keys.Count];
        for (int attempt = 0; attempt < 2; attempt++) // the second only after a stale cached socket
        {
            bool mayRetry = attempt == 0;
            Array.Clear(restored);
            var connection = cache.Take(target);
            if (connection is null)
            {
                var endpoint = await ResolveAsync(request);
                if (endpoint is null) return new MigrateOutcome(restored, ConnectError);
                var (opened, timedOut) = await ConnectAsync(endpoint, request.TimeoutMs);
                // Redis 7.0 connects without waiting and sees a refused or silent target at its first write.
                if (opened is null)
                {
                    if (mayRetry && !timedOut) continue;
                    return new MigrateOutcome(restored, WriteError);
                }
                connection = opened;
            }
            bool select = connection.LastDb != request.Db;
            var step = await ExchangeAsync(connection, request, select, restored);
            string? local = connection.Socket.LocalEndPoint?.ToString();
            if (step.SocketError)
            {
                connection.Dispose();
                if (step.RetryAllowed && mayRetry && !step.TimedOut) continue;
                return new MigrateOutcome(restored, step.Error ?? (step.Writing ? WriteError : ReadError), local);
            }
            connection.LastDb = step.Error is null ? request.Db : -1;
            cache.Return(target, connection);
            return new MigrateOutcome(restored, step.Error, local);
        }
        return new MigrateOutcome(restored, WriteError); // not reached: the second attempt always returns
    }

    private readonly record struct Step(bool SocketError, bool TimedOut, bool Writing, bool RetryAllowed, string? Error);

    private static async Task<Step> ExchangeAsync(MigrateConnection connection, MigrateRequest request, bool select, bool[] restored)
    {
        byte[] command = BuildCommand(request, select);
        for (int at = 0; at < command.Length; at += Chunk)
        {
            var (ok, timedOut) = await TimedAsync(request.TimeoutMs, token => connection.Stream.WriteAsync(command.AsMemory(at, Math.Min(Chunk, command.Length - at)), token));
            if (!ok) return new Step(true, timedOut, Writing: true, RetryAllowed: true, null);
        }
        string? auth = null, selected = null;
        if (request.Password != null)
        {
            var (line, timedOut) = await ReadLineAsync(connection, request.TimeoutMs);
            if (line is null) return new Step(true, timedOut, false, RetryAllowed: true, null);
            auth = line;
        }
        if (select)
        {
            var (line, timedOut) = await ReadLineAsync(connection, request.TimeoutMs);
            if (line is null) return new Step(true, timedOut, false, RetryAllowed: true, null);
            selected = line;
        }
        string? error = null;
        for (int j = 0; j < request.Keys.Count; j++)
        {
            var (line, timedOut) = await ReadLineAsync(connection, request.TimeoutMs);
            // Only a failure on the first reply, with no error from the target yet, may be retried (nothing was done).
            if (line is null) return new Step(true, timedOut, false, RetryAllowed: j == 0 && error is null, error);
            string? failed = auth is ['-', ..] ? auth : selected is ['-', ..] ? selected : line is ['-', ..] ? line : null;
            if (failed != null) error ??= "ERR Target instance replied with error: " + failed[1..];
            else restored[j] = true;
        }
        return new Step(false, false, false, false, error);
    }

    /// <summary>AUTH [username] password, SELECT db, then RESTORE key ttl payload [REPLACE] per key.</summary>
    private static byte[] BuildCommand(MigrateRequest request, bool select)
    {
        var output = new ArrayBufferWriter<byte>();
        if (request.Password != null)
        {
            Header(output, request.Username is null ? 2 : 3);
            Bulk(output, "AUTH"u8);
            if (request.Username != null) Bulk(output, request.Username);
            Bulk(output, request.Password);
        }
        if (select)
        {
            Header(output, 2);
            Bulk(output, "SELECT"u8);
            Bulk(output, Encoding.ASCII.GetBytes(request.Db.ToString(CultureInfo.InvariantCulture)));
        }
        for (int i = 0; i < request.Keys.Count; i++)
        {
            Header(output, request.Replace ? 5 : 4);
            Bulk(output, "RESTORE"u8); // RESTORE-ASKING is for cluster mode, which HyperCache's RESP side has not
            Bulk(output, request.Keys[i].Key);
            Bulk(output, Encoding.ASCII.GetBytes(request.Ttls[i].ToString(CultureInfo.InvariantCulture)));
            Bulk(output, request.Keys[i].Payload);
            if (request.Replace) Bulk(output, "REPLACE"u8);
        }
        return output.WrittenSpan.ToArray();
    }

    private static void Header(ArrayBufferWriter<byte> output, int count) => output.Write(Encoding.ASCII.GetBytes($"*{count}\r\n"));

    private static void Bulk(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        output.Write(Encoding.ASCII.GetBytes($"${value.Length}\r\n"));
        output.Write(value);
        output.Write("\r\n"u8);
    }

    /// <summary>The target's address: an IP literal, or the host name resolved; null when it cannot be (the port read
    /// as C's atoi reads it, negative refused, as getaddrinfo refuses it).</summary>
    private static async Task<IPEndPoint?> ResolveAsync(MigrateRequest request)
    {
        long port = Atoi(request.Port);
        if (port < 0 || request.Host.Length == 0) return null;
        if (IPAddress.TryParse(request.Host, out var address)) return new IPEndPoint(address, (int)(port & 0xFFFF));
        try
        {
            using var timeout = new CancellationTokenSource(Limit(request.TimeoutMs));
            var addresses = await Dns.GetHostAddressesAsync(request.Host, timeout.Token);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is null ? null : new IPEndPoint(chosen, (int)(port & 0xFFFF));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException)
        {
            return null;
        }
    }

    private static long Atoi(string text)
    {
        int i = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        bool negative = i < text.Length && text[i] == '-';
        if (i < text.Length && (text[i] == '-' || text[i] == '+')) i++;
        long value = 0;
        for (; i < text.Length && text[i] is >= '0' and <= '9' && value < int.MaxValue; i++) value = value * 10 + (text[i] - '0');
        return negative ? -value : value;
    }

    private static async Task<(MigrateConnection? Connection, bool TimedOut)> ConnectAsync(IPEndPoint endpoint, long timeoutMs)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var (ok, timedOut) = await TimedAsync(timeoutMs, token => socket.ConnectAsync(endpoint, token));
        if (ok) return (new MigrateConnection(socket), false);
        socket.Dispose();
        return (null, timedOut);
    }

    /// <summary>One reply line without its CRLF (cut at 1 KB, as Redis's buffer cuts it), or null on a socket error,
    /// end of stream or timeout.</summary>
    private static async Task<(string? Line, bool TimedOut)> ReadLineAsync(MigrateConnection connection, long timeoutMs)
    {
        var line = new StringBuilder();
        for (int guard = 0; guard < 1_000_000; guard++) // bounded: a target that never ends its line times out first
        {
            for (; connection.Start < connection.End; connection.Start++)
            {
                byte b = connection.Buffer[connection.Start];
                if (b == '\n')
                {
                    connection.Start++;
                    if (line.Length > 0 && line[^1] == '\r') line.Length--;
                    return (line.ToString(), false);
                }
                if (line.Length < MaxLine) line.Append((char)b);
            }
            int read = 0;
            var (ok, timedOut) = await TimedAsync(timeoutMs, async token => read = await connection.Stream.ReadAsync(connection.Buffer, token));
            if (!ok) return (null, timedOut);
            if (read == 0) return (null, false);
            connection.Start = 0;
            connection.End = read;
        }
        return (null, false);
    }

    /// <summary>A timer's span: Redis takes any positive long; past ~24 days it is as good as none.</summary>
    private static TimeSpan Limit(long timeoutMs) => TimeSpan.FromMilliseconds(Math.Min(timeoutMs, int.MaxValue));

    /// <summary>Runs one socket operation under the timeout: (true, _) when it completed, (false, timedOut) when it
    /// failed or the timeout passed.</summary>
    private static async Task<(bool Ok, bool TimedOut)> TimedAsync(long timeoutMs, Func<CancellationToken, ValueTask> operation)
    {
        using var timeout = new CancellationTokenSource(Limit(timeoutMs));
        try
        {
            await operation(timeout.Token);
            return (true, false);
        }
        catch (OperationCanceledException)
        {
            return (false, true);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            return (false, timeout.IsCancellationRequested);
        }
    }
}
