using System.Net.Sockets;
using System.Text;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A deliberately tiny RESP client for tests where the exact bytes on the wire matter.
/// Replies are returned as strings holding the exact bytes received (Latin-1, so every byte maps to one char),
/// e.g. "+OK\r\n", "$-1\r\n", "*2\r\n$1\r\na\r\n:1\r\n".
/// Every read has a deadline, so a server that never answers fails the test instead of hanging it.
/// </summary>
public sealed class RawRespClient : IDisposable
{
    public static readonly Encoding Latin1 = Encoding.Latin1;
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public RawRespClient(int port, TimeSpan? timeout = null)
    {
        Timeout = timeout ?? DefaultTimeout;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect("127.0.0.1", port);
    }

    /// <summary>Deadline for each reply read (the whole reply, not each chunk).</summary>
    public TimeSpan Timeout { get; set; }

    /// <summary>Encodes a command as a RESP multibulk request (arguments are Latin-1, i.e. raw bytes).</summary>
    public static string Encode(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args)
        {
            sb.Append('$').Append(Latin1.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        }
        return sb.ToString();
    }

    public void Send(string latin1Bytes) => Send(Latin1.GetBytes(latin1Bytes));

    public void Send(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += _socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
        }
    }

    /// <summary>Sends one command (multibulk) and returns its reply's exact bytes.</summary>
    public string Command(params string[] args)
    {
        Send(Encode(args));
        return ReadReply();
    }

    /// <summary>No reply byte has arrived (buffered or in the socket) yet.</summary>
    public bool NothingReceived => _start == _end && _socket.Available == 0;

    /// <summary>Waits up to <paramref name="wait"/> for something to read (or the peer's close); false if nothing came.</summary>
    public bool WaitForData(TimeSpan wait) => _start != _end || _socket.Poll(wait, SelectMode.SelectRead);

    /// <summary>Half-closes the connection: the server sees end-of-stream on its reads.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads one complete RESP2/RESP3 reply and returns its exact bytes.</summary>
    public string ReadReply()
    {
        var deadline = DateTime.UtcNow + Timeout;
        var sb = new StringBuilder();
        ReadValue(sb, deadline);
        return sb.ToString();
    }

    /// <summary>
    /// Reads everything until the server closes the connection; returns what arrived before the close.
    /// Throws TimeoutException if the server keeps the connection open past the deadline.
    /// </summary>
    public string ReadUntilClosed(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        var sb = new StringBuilder();
        sb.Append(Latin1.GetString(_buffer, _start, _end - _start));
        _start = _end = 0;
        while (true)
        {
            int n;
            try
            {
                n = Receive(deadline);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                return sb.ToString();
            }
            if (n == 0)
            {
                return sb.ToString();
            }
            sb.Append(Latin1.GetString(_buffer, 0, n));
        }
    }

    private void ReadValue(StringBuilder sb, DateTime deadline)
    {
        var line = ReadLine(deadline);
        sb.Append(line).Append("\r\n");
        if (line.Length == 0)
        {
            throw new InvalidDataException("Empty RESP type line; received so far: " + Escape(sb.ToString()));
        }
        var type = line[0];
        switch (type)
        {
            case '+' or '-' or ':' or ',' or '_' or '#' or '(':
                return;
            case '$' or '=' or '!':
            {
                var len = ParseLength(line, sb);
                if (len < 0)
                {
                    return;
                }
                var payload = ReadExact(len + 2, deadline);
                sb.Append(payload);
                if (!payload.EndsWith("\r\n", StringComparison.Ordinal))
                {
                    throw new InvalidDataException("Bulk payload not terminated by CRLF: " + Escape(sb.ToString()));
                }
                return;
            }
            case '*' or '~' or '>':
            {
                var count = ParseLength(line, sb);
                for (long i = 0; i < count; i++)
                {
                    ReadValue(sb, deadline);
                }
                return;
            }
            case '%':
            {
                var count = ParseLength(line, sb);
                for (long i = 0; i < count * 2; i++)
                {
                    ReadValue(sb, deadline);
                }
                return;
            }
            case '|':
            {
                // Attribute map, followed by the actual reply.
                var count = ParseLength(line, sb);
                for (long i = 0; i < count * 2; i++)
                {
                    ReadValue(sb, deadline);
                }
                ReadValue(sb, deadline);
                return;
            }
            default:
                throw new InvalidDataException($"Unknown RESP type byte '{Escape(type.ToString())}'; received so far: {Escape(sb.ToString())}");
        }
    }

    private static long ParseLength(string line, StringBuilder sb)
    {
        if (!long.TryParse(line.AsSpan(1), out var len))
        {
            throw new InvalidDataException("Bad RESP length line: " + Escape(sb.ToString()));
        }
        return len;
    }

    private string ReadLine(DateTime deadline)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var idx = span.IndexOf("\r\n"u8);
            if (idx >= 0)
            {
                var s = Latin1.GetString(span[..idx]);
                _start += idx + 2;
                return s;
            }
            Fill(deadline);
        }
    }

    private string ReadExact(long count, DateTime deadline)
    {
        var sb = new StringBuilder();
        while (count > 0)
        {
            if (_end == _start)
            {
                Fill(deadline);
            }
            var take = (int)Math.Min(count, _end - _start);
            sb.Append(Latin1.GetString(_buffer, _start, take));
            _start += take;
            count -= take;
        }
        return sb.ToString();
    }

    private void Fill(DateTime deadline)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            throw new InvalidDataException("RESP line longer than the read buffer");
        }
        var n = Receive(deadline, _end);
        if (n == 0)
        {
            throw new EndOfStreamException("Server closed the connection in the middle of a reply; buffered: "
                + Escape(Latin1.GetString(_buffer, 0, _end)));
        }
        _end += n;
    }

    private int Receive(DateTime deadline, int offset = 0)
    {
        var remaining = deadline - DateTime.UtcNow;
        if (remaining <= TimeSpan.Zero)
        {
            throw new TimeoutException("No complete reply before the deadline; buffered: " + Escape(Latin1.GetString(_buffer, _start, _end - _start)));
        }
        if (!_socket.Poll(remaining, SelectMode.SelectRead))
        {
            throw new TimeoutException($"No complete reply within {Timeout.TotalSeconds:0.#}s; buffered: "
                + Escape(Latin1.GetString(_buffer, _start, _end - _start)));
        }
        return _socket.Receive(_buffer, offset, _buffer.Length - offset, SocketFlags.None);
    }

    /// <summary>Makes control characters visible in assertion messages.</summary>
    public static string Escape(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s)
        {
            switch (c)
            {
                case '\r': sb.Append("\\r"); break;
                case '\n': sb.Append("\\n"); break;
                case '\\': sb.Append("\\\\"); break;
                case < ' ' or > '~': sb.Append($"\\x{(int)c:x2}"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    public void Dispose() => _socket.Dispose();
}
