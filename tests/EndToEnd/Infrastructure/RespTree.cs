using System.Text;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A reply parsed with its RESP types kept (simple vs bulk string, array vs set vs map), so that two replies can be
/// compared exactly after a part whose order Redis leaves unspecified has been put in order. <see cref="ToString"/>
/// gives the RESP bytes back.
/// </summary>
public sealed class RespTree
{
    /// <summary>The RESP type byte: + - : $ * ~ % _ # , ( = &gt; (a RESP2 nil array or bulk keeps '*' or '$').</summary>
    public char Type { get; init; }

    /// <summary>A string's, number's or error's text; null for a nil and for aggregates.</summary>
    public string? Text { get; init; }

    /// <summary>An aggregate's items (a map's keys and values alternate).</summary>
    public List<RespTree>? Items { get; set; }

    public bool IsAggregate => Items is not null;

    public static RespTree Parse(string reply)
    {
        int pos = 0;
        var tree = Read(reply, ref pos);
        if (pos != reply.Length) throw new FormatException("trailing bytes after a reply: " + RawRespClient.Escape(reply[pos..]));
        return tree;
    }

    private static RespTree Read(string s, ref int pos)
    {
        int end = s.IndexOf("\r\n", pos, StringComparison.Ordinal);
        if (end < 0) throw new FormatException("cut reply");
        char type = s[pos];
        string line = s[(pos + 1)..end];
        pos = end + 2;
        switch (type)
        {
            case '$' or '=':
                int length = int.Parse(line);
                if (length < 0) return new RespTree { Type = type };
                var text = s.Substring(pos, length);
                pos += length + 2;
                return new RespTree { Type = type, Text = text };
            case '*' or '~' or '>' or '%':
                int count = int.Parse(line);
                if (count < 0) return new RespTree { Type = type };
                if (type == '%') count *= 2;
                var items = new List<RespTree>(count);
                for (int i = 0; i < count; i++) items.Add(Read(s, ref pos));
                return new RespTree { Type = type, Items = items };
            default:
                return new RespTree { Type = type, Text = line };
        }
    }

    /// <summary>A map's value by its key's text (RESP3 maps and RESP2 flat name/value arrays alike).</summary>
    public RespTree? Get(string key)
    {
        if (Items is null) return null;
        for (int i = 0; i + 1 < Items.Count; i += 2)
            if (Items[i].Text == key) return Items[i + 1];
        return null;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        Write(sb);
        return sb.ToString();
    }

    private void Write(StringBuilder sb)
    {
        if (Items is null)
        {
            if (Type is '$' or '=')
            {
                if (Text is null) sb.Append(Type).Append("-1\r\n");
                else sb.Append(Type).Append(RawRespClient.Latin1.GetByteCount(Text)).Append("\r\n").Append(Text).Append("\r\n");
            }
            else if (Type is '*' or '~' or '%' or '>') sb.Append(Type).Append("-1\r\n");
            else sb.Append(Type).Append(Text).Append("\r\n");
            return;
        }
        sb.Append(Type).Append(Type == '%' ? Items.Count / 2 : Items.Count).Append("\r\n");
        foreach (var item in Items) item.Write(sb);
    }
}
