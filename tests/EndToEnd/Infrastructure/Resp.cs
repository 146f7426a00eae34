using System.Text;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Builders for expected replies, as exact RESP2 bytes (Latin-1 strings).</summary>
public static class Resp
{
    public const string Ok = "+OK\r\n";
    public const string Pong = "+PONG\r\n";
    public const string Nil = "$-1\r\n";
    public const string EmptyArray = "*0\r\n";
    public const string WrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
    public const string SyntaxError = "-ERR syntax error\r\n";
    public const string NotInteger = "-ERR value is not an integer or out of range\r\n";
    public const string NotFloat = "-ERR value is not a valid float\r\n";

    public static string Int(long n) => $":{n}\r\n";

    public static string Simple(string s) => $"+{s}\r\n";

    public static string Err(string message) => $"-{message}\r\n";

    public static string Bulk(string? s) =>
        s is null ? Nil : $"${RawRespClient.Latin1.GetByteCount(s)}\r\n{s}\r\n";

    public static string BulkArray(params string?[] items)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(items.Length).Append("\r\n");
        foreach (var i in items)
        {
            sb.Append(Bulk(i));
        }
        return sb.ToString();
    }

    public static string Array(params string[] encodedItems) =>
        $"*{encodedItems.Length}\r\n" + string.Concat(encodedItems);

    public static string WrongArity(string command) =>
        Err($"ERR wrong number of arguments for '{command}' command");

    public static string InvalidExpire(string command) =>
        Err($"ERR invalid expire time in '{command}' command");

    /// <summary>
    /// Parses one bulk-string array reply ("*N\r\n$..") into its items (nil items become null).
    /// Only flat arrays of bulk strings / integers are supported; enough for KEYS, MGET, CONFIG GET, SCAN pages.
    /// </summary>
    public static List<string?> ParseFlatArray(string reply)
    {
        var items = new List<string?>();
        var pos = 0;
        var header = ReadLine(reply, ref pos);
        if (header[0] != '*')
        {
            throw new FormatException("Not an array reply: " + RawRespClient.Escape(reply));
        }
        var count = int.Parse(header.AsSpan(1));
        for (var i = 0; i < count; i++)
        {
            items.Add(ParseScalar(reply, ref pos));
        }
        if (pos != reply.Length)
        {
            throw new FormatException("Trailing bytes after array: " + RawRespClient.Escape(reply));
        }
        return items;
    }

    /// <summary>Parses a SCAN reply: *2 [cursor bulk] [array of bulk keys].</summary>
    public static (string Cursor, List<string> Keys) ParseScan(string reply)
    {
        var pos = 0;
        if (ReadLine(reply, ref pos) != "*2")
        {
            throw new FormatException("Not a SCAN reply: " + RawRespClient.Escape(reply));
        }
        var cursor = ParseScalar(reply, ref pos) ?? throw new FormatException("nil cursor");
        var keys = ParseFlatArray(reply[pos..]);
        return (cursor, keys.Select(k => k!).ToList());
    }

    private static string? ParseScalar(string reply, ref int pos)
    {
        var line = ReadLine(reply, ref pos);
        switch (line[0])
        {
            case '$':
                var len = int.Parse(line.AsSpan(1));
                if (len < 0)
                {
                    return null;
                }
                var s = reply.Substring(pos, len);
                pos += len + 2;
                return s;
            case ':' or '+':
                return line[1..];
            default:
                throw new FormatException("Unexpected element: " + RawRespClient.Escape(line));
        }
    }

    private static string ReadLine(string reply, ref int pos)
    {
        var idx = reply.IndexOf("\r\n", pos, StringComparison.Ordinal);
        if (idx < 0)
        {
            throw new FormatException("Unterminated line in: " + RawRespClient.Escape(reply));
        }
        var line = reply[pos..idx];
        pos = idx + 2;
        return line;
    }

    /// <summary>An error reply inside a parsed tree.</summary>
    public sealed record Error(string Message);

    /// <summary>
    /// Parses one complete RESP2 reply into a tree: bulk and simple strings become string, integers long,
    /// nil null, errors <see cref="Error"/>, arrays List&lt;object?&gt;. The whole input must be consumed.
    /// </summary>
    public static object? Parse(string reply)
    {
        var pos = 0;
        var value = ParseAny(reply, ref pos);
        if (pos != reply.Length)
        {
            throw new FormatException("Trailing bytes after reply: " + RawRespClient.Escape(reply));
        }
        return value;
    }

    private static object? ParseAny(string reply, ref int pos)
    {
        var line = ReadLine(reply, ref pos);
        switch (line[0])
        {
            case '+':
                return line[1..];
            case '-':
                return new Error(line[1..]);
            case ':':
                return long.Parse(line.AsSpan(1));
            case '$':
                var len = int.Parse(line.AsSpan(1));
                if (len < 0)
                {
                    return null;
                }
                var s = reply.Substring(pos, len);
                if (reply.Substring(pos + len, 2) != "\r\n")
                {
                    throw new FormatException("Bulk string not followed by CRLF: " + RawRespClient.Escape(reply));
                }
                pos += len + 2;
                return s;
            case '*':
                var count = int.Parse(line.AsSpan(1));
                if (count < 0)
                {
                    return null;
                }
                var items = new List<object?>(count);
                for (var i = 0; i < count; i++)
                {
                    items.Add(ParseAny(reply, ref pos));
                }
                return items;
            default:
                throw new FormatException("Not a RESP2 reply: " + RawRespClient.Escape(line));
        }
    }
}
