namespace HyperCache.StateMachine.Dump;

/// <summary>LZF decompression, for the compressed strings Redis writes (rdbcompression, strings over 20 bytes).
/// Any inconsistency (a reference before the start, output longer or shorter than declared) is a bad payload.</summary>
public static class Lzf
{
    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int i = 0, o = 0;
        while (i < input.Length)
        {
            int control = input[i++];
            if (control < 32)
            {
                int literal = control + 1;
                if (i + literal > input.Length || o + literal > output.Length) throw DumpFormatException.Bad();
                input.Slice(i, literal).CopyTo(output[o..]);
                i += literal;
                o += literal;
                continue;
            }
            int length = control >> 5;
            if (length == 7)
            {
                if (i >= input.Length) throw DumpFormatException.Bad();
                length += input[i++];
            }
            if (i >= input.Length) throw DumpFormatException.Bad();
            int from = o - ((control & 0x1f) << 8) - input[i++] - 1;
            length += 2;
            if (from < 0 || o + length > output.Length) throw DumpFormatException.Bad();
            // Byte by byte: the source may overlap what is being written (a run).
            for (int k = 0; k < length; k++) output[o++] = output[from++];
        }
        if (o != output.Length) throw DumpFormatException.Bad();
    }
}
