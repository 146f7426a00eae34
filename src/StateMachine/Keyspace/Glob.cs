namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// Redis's glob matching (KEYS, SCAN MATCH, PSUBSCRIBE, ACL key patterns): * ? [abc] [^a] [a-z] and \ escapes, on
/// bytes. Without recursion: every element but '*' matches exactly one byte, so when a match fails only the last
/// '*' needs to take one byte more (an earlier star taking more could only move the rest of the pattern later in
/// the text, which the last star already tries). So a match costs at most pattern × text steps, whatever the
/// pattern; a backtracking matcher is exponential in its stars ("a*a*a*...b" against a long run of a's kept a
/// request thread busy for good, and a recursion limit made patterns with many stars fail to match).
/// </summary>
public static class Glob
{
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0;
        int resumeAt = -1, triedFrom = 0; // after the last star: where the pattern goes on, and where in the text it was tried
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                if (pattern[p] == '*')
                {
                    while (p < pattern.Length && pattern[p] == '*') p++;
                    if (p == pattern.Length) return true;
                    resumeAt = p;
                    triedFrom = t;
                    continue;
                }
                int width = Element(pattern[p..], text[t], out bool matched);
                if (matched)
                {
                    p += width;
                    t++;
                    continue;
                }
            }
            if (resumeAt < 0) return false;
            p = resumeAt; // the last star takes one more byte
            t = ++triedFrom;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>The element at the start of <paramref name="pattern"/> (not a star) against one byte: how many
    /// pattern bytes it spans, and in <paramref name="matched"/> whether the byte matches it.</summary>
    private static int Element(ReadOnlySpan<byte> pattern, byte c, out bool matched)
    {
        switch (pattern[0])
        {
            case (byte)'?':
                matched = true;
                return 1;
            case (byte)'[':
                return Class(pattern, c, out matched);
            case (byte)'\\' when pattern.Length >= 2:
                matched = pattern[1] == c;
                return 2;
            default:
                matched = pattern[0] == c;
                return 1;
        }
    }

    /// <summary>A [...] class: escapes, ranges (either way round), ^ to negate; an unclosed one ends with the pattern.</summary>
    private static int Class(ReadOnlySpan<byte> pattern, byte c, out bool matched)
    {
        int i = 1;
        bool negate = i < pattern.Length && pattern[i] == '^';
        if (negate) i++;
        bool hit = false;
        while (i < pattern.Length && pattern[i] != ']')
        {
            if (pattern[i] == '\\' && pattern.Length - i >= 2)
            {
                i++;
                hit |= pattern[i] == c;
            }
            else if (pattern.Length - i >= 3 && pattern[i + 1] == '-')
            {
                byte lo = pattern[i], hi = pattern[i + 2];
                if (lo > hi) (lo, hi) = (hi, lo);
                hit |= c >= lo && c <= hi;
                i += 2;
            }
            else
            {
                hit |= pattern[i] == c;
            }
            i++;
        }
        if (i < pattern.Length) i++; // the ']'
        matched = hit != negate;
        return i;
    }
}
