using System.Text;

namespace HyperCache.Frontends.Resp.Acl;

/// <summary>
/// The ACL file (the aclfile setting), Redis's format: one "user name rule..." line per user, blank lines allowed.
/// Read whole or not at all: any bad line, or a user named twice, changes nothing and is reported with Redis's
/// wording. Written (ACL SAVE) to a temporary file, flushed, then renamed over the old one.
/// </summary>
public static class AclFile
{
    private const string NoChange = "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";

    /// <summary>The file's users, by name, each a fresh user with its line's rules applied; or the error.</summary>
    public static Dictionary<string, AclRules> Read(string path, AclCommandIndex index)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, Encoding.Latin1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AclFileException($"Error loading ACLs, opening file '{path}': {e.Message}");
        }
        var users = new Dictionary<string, AclRules>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            var words = lines[i].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;
            if (words.Length < 2 || words[0] != "user")
                throw new AclFileException($"{path}:{i + 1} should start with user keyword followed by the username. {NoChange}");
            string name = words[1];
            if (users.ContainsKey(name)) throw new AclFileException($"WARNING: Duplicate user '{name}' found on line {i + 1}. {NoChange}");
            var rules = new AclRules(index.Count);
            foreach (var rule in words[2..])
            {
                try
                {
                    AclRuleParser.Apply(rules, rule, index);
                }
                catch (AclRuleException e)
                {
                    throw new AclFileException($"{path}:{i + 1}: Error in applying operation '{rule}': {e.Message}. {NoChange}");
                }
            }
            users[name] = rules.Seal(index.Count);
        }
        return users;
    }

    public static void Write(string path, IEnumerable<string> lines)
    {
        string temp = path + ".save-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = Encoding.Latin1.GetBytes(string.Concat(lines.Select(line => line + "\n")));
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>An ACL file that cannot be loaded; the message is Redis's, without the "ERR " code.</summary>
public sealed class AclFileException(string message) : Exception(message);
