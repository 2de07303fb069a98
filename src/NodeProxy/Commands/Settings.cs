using System.CommandLine;
using System.Text.Json;
using NodeProxy.Sources;

namespace NodeProxy.Commands;

/// <summary>
/// Settings from three places, for every flag of a command: the command line first, then
/// NODEPROXY_FLAG_NAME environment variables, then an optional YAML file (--config FILE, keys
/// are flag names without dashes). They become command-line arguments, so one parser validates
/// them all and a bad value gets the same clear error wherever it came from.
/// </summary>
internal static class Settings
{
    public const string ConfigFlag = "--config";

    /// <exception cref="ArgumentException">An unreadable file or a setting no flag has.</exception>
    public static string[] Expand(Command root, string[] args, Func<string, string?> environment)
    {
        if (args.Length == 0 || root.Subcommands.FirstOrDefault(c => c.Name == args[0]) is not { } command)
        {
            return args;
        }

        args = [.. args.SelectMany(a => a.StartsWith(ConfigFlag + "=", StringComparison.Ordinal) ? [ConfigFlag, a[(ConfigFlag.Length + 1)..]] : new[] { a })];

        // A flag counts as given under any of its spellings ("-v" is "--verbose").
        var spellings = command.Options.SelectMany(o => o.Aliases.Append(o.Name).Select(alias => (alias, o.Name))).ToDictionary(p => p.alias, p => p.Name, StringComparer.Ordinal);
        var given = args.Select(a => a.Split('=')[0]).Where(spellings.ContainsKey).Select(a => spellings[a]).ToHashSet(StringComparer.Ordinal);
        var file = ReadFile(args);
        var flags = command.Options.Select(o => o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal) && n != ConfigFlag).ToHashSet(StringComparer.Ordinal);
        foreach (var key in file.Keys.Where(k => !flags.Contains("--" + k)))
        {
            throw new ArgumentException($"{ConfigFlag}: '{key}' is not a setting of `nodeproxy {command.Name}` (see --help)");
        }

        var expanded = args.Where((a, i) => a != ConfigFlag && (i == 0 || args[i - 1] != ConfigFlag)).ToList();
        foreach (var flag in flags.Where(f => !given.Contains(f)).Order(StringComparer.Ordinal))
        {
            var name = flag[2..];
            var value = environment("NODEPROXY_" + name.Replace('-', '_').ToUpperInvariant()) ?? file.GetValueOrDefault(name);
            if (value is not null)
            {
                expanded.AddRange([flag, value]);
            }
        }

        return [.. expanded];
    }

    private static Dictionary<string, string> ReadFile(string[] args)
    {
        var at = Array.IndexOf(args, ConfigFlag);
        if (at < 0)
        {
            return [];
        }

        if (at + 1 >= args.Length)
        {
            throw new ArgumentException($"{ConfigFlag} needs a file");
        }

        try
        {
            using var yaml = YamlJson.Parse(File.ReadAllText(args[at + 1]), typed: false);
            if (yaml is null || yaml.RootElement.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (yaml.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"{ConfigFlag} {args[at + 1]}: expected settings (key: value lines)");
            }

            return yaml.RootElement.EnumerateObject().ToDictionary(
                e => e.Name,
                e => e.Value.ValueKind switch
                {
                    JsonValueKind.Array => string.Join(',', e.Value.EnumerateArray().Select(Text)),
                    _ => Text(e.Value),
                },
                StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new ArgumentException($"{ConfigFlag} {args[at + 1]}: {e.Message}");
        }
    }

    /// <summary>Scalars arrive as written (the loader keeps them untyped); a nested object has no flag spelling.</summary>
    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };
}
