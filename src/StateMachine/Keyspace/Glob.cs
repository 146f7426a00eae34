namespace HyperCache.StateMachine.Keyspace;

/// <summary>Redis's glob matching (KEYS, SCAN MATCH): * ? [abc] [^a] [a-z] and \ escapes, on bytes.</summary>
public static class Glob
{
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, int depth = 0)
    {
        if (depth > 64) return false; // bounds the recursion a hostile pattern could cause
        while (!pattern.IsEmpty)
        {
            switch (pattern[0])
            {
                case (byte)'*':
                    while (pattern.Length > 1 && pattern[1] == '*') pattern = pattern[1..];
                    if (pattern.Length == 1) return true;
                    for (int i = 0; i <= text.Length; i++)
                        if (Match(pattern[1..], text[i..], depth + 1)) return true;
                    return false;
                case (byte)'?':
                    if (text.IsEmpty) return false;
                    text = text[1..];
                    pattern = pattern[1..];
                    break;
                case (byte)'[':
                {
                    if (text.IsEmpty) return false;
                    pattern = pattern[1..];
                    bool negate = !pattern.IsEmpty && pattern[0] == '^';
                    if (negate) pattern = pattern[1..];
                    bool matched = false;
                    while (!pattern.IsEmpty && pattern[0] != ']')
                    {
                        if (pattern[0] == '\\' && pattern.Length >= 2)
                        {
                            pattern = pattern[1..];
                            matched |= pattern[0] == text[0];
                        }
                        else if (pattern.Length >= 3 && pattern[1] == '-')
                        {
                            byte lo = pattern[0], hi = pattern[2];
                            if (lo > hi) (lo, hi) = (hi, lo);
                            matched |= text[0] >= lo && text[0] <= hi;
                            pattern = pattern[2..];
                        }
                        else
                        {
                            matched |= pattern[0] == text[0];
                        }
                        pattern = pattern[1..];
                    }
                    if (!pattern.IsEmpty) pattern = pattern[1..]; // the ']'
                    if (matched == negate) return false;
                    text = text[1..];
                    break;
                }
                case (byte)'\\' when pattern.Length >= 2:
                    if (text.IsEmpty || text[0] != pattern[1]) return false;
                    text = text[1..];
                    pattern = pattern[2..];
                    break;
                default:
                    if (text.IsEmpty || text[0] != pattern[0]) return false;
                    text = text[1..];
                    pattern = pattern[1..];
                    break;
            }
        }
        return text.IsEmpty;
    }
}
