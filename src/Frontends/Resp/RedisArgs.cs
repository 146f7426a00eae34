namespace HyperCache.Frontends.Resp;

/// <summary>
/// Redis's sdssplitargs, on bytes: how Redis reads an inline command and a function library's first line. Words are
/// separated by blanks (\v and \f only between words, as there); a double or single quote anywhere in a word opens a quoted part (the quotes dropped, so
/// <c>a"b c"</c> is <c>ab c</c>), whose closing quote must end the word; inside double quotes \xHH, \n, \r, \t, \b
/// and \a are escapes and a backslash keeps any other character; inside single quotes only \' is.
/// </summary>
internal static class RedisArgs
{
    /// <summary>Splits <paramref name="line"/> into <paramref name="args"/>: the words are written back to back into
    /// <paramref name="scratch"/> (at least as long as the line, and <paramref name="args"/>' source). False for
    /// unbalanced quotes.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> line, byte[] scratch, CommandArgs args)
    {
        int write = 0, i = 0;
        while (true)
        {
            while (i < line.Length && IsSpace(line[i])) i++;
            if (i == line.Length) return true;
            int start = write;
            byte quote = 0; // the quote a quoted part is open with
            while (true)
            {
                if (quote == 0)
                {
                    if (i == line.Length || EndsWord(line[i])) break;
                    byte b = line[i++];
                    if (b is (byte)'"' or (byte)'\'') quote = b;
                    else scratch[write++] = b;
                    continue;
                }
                if (i == line.Length) return false; // unterminated quotes
                byte c = line[i++];
                if (c == quote)
                {
                    if (i < line.Length && !IsSpace(line[i])) return false; // the closing quote must end the word
                    break;
                }
                if (c == '\\' && quote == '"' && i + 2 < line.Length && line[i] == 'x' && IsHex(line[i + 1]) && IsHex(line[i + 2]))
                {
                    c = (byte)(Hex(line[i + 1]) * 16 + Hex(line[i + 2]));
                    i += 3;
                }
                else if (c == '\\' && i < line.Length && (quote == '"' || line[i] == '\''))
                {
                    c = line[i++];
                    if (quote == '"')
                        c = c switch { (byte)'n' => (byte)'\n', (byte)'r' => (byte)'\r', (byte)'t' => (byte)'\t', (byte)'b' => (byte)'\b', (byte)'a' => (byte)'\a', _ => c };
                }
                scratch[write++] = c;
            }
            args.Add(start, write - start);
        }
    }

    /// <summary>C's isspace: what sdssplitargs skips between words and wants after a closing quote.</summary>
    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    /// <summary>What ends an unquoted word there: fewer than isspace (\v and \f do not).</summary>
    private static bool EndsWord(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
