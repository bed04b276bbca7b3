using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EmailAI.Cli;

/// <summary>
/// <c>emailai</c>: the admin API from a shell, for scripts. Server and token come from <c>--url</c>/<c>--token</c>, else
/// <c>EMAILAI_URL</c>/<c>EMAILAI_TOKEN</c>, else <c>http://127.0.0.1:8080</c> and the <c>admin-token</c> file of the data
/// directory (<c>--data-dir</c>, <c>EMAILAI_DATA_DIR</c>, <c>./data</c>). Every command prints a short human form, or the
/// server's JSON with <c>--json</c>. Every failure is one line on standard error and a non-zero exit code:
/// <see cref="Refused"/> when the server refused (its problem detail is the line), <see cref="Usage"/> for a command
/// line that does not parse, <see cref="Unreachable"/> when there is no server or no token.
/// </summary>
public static partial class CliApp
{
    /// <summary>The server answered with an error (4xx/5xx).</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>No server answered, or no token was found.</summary>
    public const int Unreachable = 3;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly Option<string?> UrlOption = new("--url") { Description = "Admin API base URL (default: EMAILAI_URL, else http://127.0.0.1:8080)", Recursive = true };
    private static readonly Option<string?> TokenOption = new("--token") { Description = "Admin token (default: EMAILAI_TOKEN, else the data directory's admin-token file)", Recursive = true };
    private static readonly Option<string?> DataDirOption = new("--data-dir") { Description = "The server's data directory, for its admin-token file (default: EMAILAI_DATA_DIR, else ./data)", Recursive = true };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print the server's JSON", Recursive = true };

    /// <summary>Runs one command line; returns the exit code. Standard input is read only by <c>--password-stdin</c>.</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, HttpMessageHandler? handler = null)
    {
        var context = new CliContext(input, output, handler);
        var root = BuildRoot(context);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync(Printable(UsageError(parsed)));
            return Usage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync("emailai: " + Printable(ex.Message));
            return ex.ExitCode;
        }
    }

    /// <summary>
    /// The one line for a command line that does not parse: an unknown word is named with the commands that would do
    /// (System.CommandLine's first error would only say a subcommand is missing), and the help to read is the command's own.
    /// </summary>
    private static string UsageError(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        var path = string.Join(' ', new[] { "emailai" }.Concat(CommandPath(parsed.CommandResult)));
        var commands = $"commands: {string.Join(", ", command.Subcommands.Select(s => s.Name))}; see {path} --help";
        if (parsed.UnmatchedTokens.Count > 0 && parsed.UnmatchedTokens[0].StartsWith('-'))
        {
            return $"{path}: unknown option '{parsed.UnmatchedTokens[0]}' (see {path} --help)";
        }

        if (parsed.UnmatchedTokens.Count > 0 && command.Subcommands.Count > 0)
        {
            return $"{path}: unknown command '{parsed.UnmatchedTokens[0]}' ({commands})";
        }

        if (parsed.UnmatchedTokens.Count > 0)
        {
            return $"{path}: unexpected '{parsed.UnmatchedTokens[0]}' (see {path} --help)";
        }

        if (command.Subcommands.Count > 0)
        {
            return $"{path}: which one? ({commands})";
        }

        // "Cannot parse argument 'x' for option '--limit' as expected type 'System.Nullable`1[System.Int32]'." says too much.
        var message = BadValue().Replace(parsed.Errors[0].Message, "'$1' is not a valid value for $2.");
        return $"{path}: {message} (see {path} --help)";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Cannot parse argument '(.*)' for (?:option|argument) '([^']+)' as expected type '[^']+'\.$")]
    private static partial System.Text.RegularExpressions.Regex BadValue();

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var current = result; current is not null && current.Command is not RootCommand; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(current.Command.Name);
        }

        return names;
    }

    private static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("EmailAI admin tool: domains, accounts, relay, queue, white lists, quarantines and DKIM keys over the admin API.");
        root.Options.Add(UrlOption);
        root.Options.Add(TokenOption);
        root.Options.Add(DataDirOption);
        root.Options.Add(JsonOption);
        root.Subcommands.Add(DomainCommand(context));
        root.Subcommands.Add(AccountCommand(context));
        root.Subcommands.Add(RelayCommand(context));
        root.Subcommands.Add(QueueCommand(context));
        root.Subcommands.Add(WhiteListCommand(context));
        root.Subcommands.Add(QuarantineCommand(context));
        root.Subcommands.Add(DkimCommand(context));
        return root;
    }

    private static Command DomainCommand(CliContext context)
    {
        var domain = new Command("domain", "Local domains");
        var name = new Argument<string>("domain");
        var forward = new Option<string?>("--forward") { Description = "Advanced Delivery: forward the domain's mail to HOST[:PORT] (default port 25)" };
        var postmaster = new Option<string?>("--postmaster") { Description = "The address postmaster@ the domain goes to" };
        var unlisted = UnlistedSendersOption();

        domain.Subcommands.Add(Leaf("list", "List the local domains", [], (r, c) =>
            context.PrintAsync(r, HttpMethod.Get, "domains", null, Table("name", "delivery.mode", "delivery.host", "accounts"), c)));
        domain.Subcommands.Add(Leaf("add", "Add a local domain, or set it as given", [name, forward, postmaster, unlisted], (r, c) =>
        {
            var key = r.GetValue(name)!;
            object delivery = r.GetValue(forward) is { } target ? ForwardDelivery(target) : new { mode = "mailbox" };
            return context.PrintAsync(r, HttpMethod.Put, $"domains/{Segment(key)}", new { name = key, delivery, postmaster = r.GetValue(postmaster), unlistedSenders = r.GetValue(unlisted) }, Fields, c);
        }));
        domain.Subcommands.Add(Leaf("show", "Show a domain", [name], (r, c) => context.PrintAsync(r, HttpMethod.Get, $"domains/{Segment(r.GetValue(name)!)}", null, Fields, c)));
        domain.Subcommands.Add(Leaf("delete", "Delete a domain (it must have no accounts)", [name], (r, c) =>
            context.PrintAsync(r, HttpMethod.Delete, $"domains/{Segment(r.GetValue(name)!)}", null, Done($"deleted {r.GetValue(name)}"), c)));
        return domain;
    }

    private static Command AccountCommand(CliContext context)
    {
        var account = new Command("account", "Local accounts");
        var address = new Argument<string>("address");
        var domainFilter = new Option<string?>("--domain") { Description = "Only the accounts of this domain" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input" };
        var forward = new Option<string?>("--forward") { Description = "Advanced Delivery: forward this account's mail to HOST[:PORT]" };
        var unlisted = UnlistedSendersOption();

        account.Subcommands.Add(Leaf("list", "List the accounts", [domainFilter], (r, c) =>
            context.PrintAsync(r, HttpMethod.Get, r.GetValue(domainFilter) is { } d ? $"accounts?domain={Uri.EscapeDataString(d)}" : "accounts", null, Table("address", "messageCount", "usedBytes", "unlistedSenders"), c)));
        account.Subcommands.Add(Leaf("add", "Add an account, or change it", [address, passwordStdin, forward, unlisted], async (r, c) =>
        {
            var password = r.GetValue(passwordStdin) ? await context.ReadPasswordAsync() : null;
            object? delivery = r.GetValue(forward) is { } target ? ForwardDelivery(target) : null;
            var key = r.GetValue(address)!;

            // PUT replaces the quota and the unlisted-senders mode (null inherits the domain's): a change keeps what it does not name.
            var current = await context.FindAsync(r, $"accounts/{Segment(key)}", c);
            var body = new { address = key, password, delivery, quotaBytes = Kept(current, "quotaBytes"), unlistedSenders = r.GetValue(unlisted) is { } mode ? (object)mode : Kept(current, "unlistedSenders") };
            return await context.PrintAsync(r, HttpMethod.Put, $"accounts/{Segment(key)}", body, Fields, c);
        }));
        account.Subcommands.Add(Leaf("passwd", "Set an account's password (read from standard input)", [address], async (r, c) =>
        {
            var key = r.GetValue(address)!;

            // Only an existing account (a PUT would create one), keeping its quota and unlisted-senders mode; looked up
            // before the password is read, so a mistyped address fails before anyone types a password for it.
            var current = await context.FindAsync(r, $"accounts/{Segment(key)}", c)
                ?? throw new CliException(Refused, $"404 Not Found: account '{key}' does not exist (emailai account add creates it)");
            var password = await context.ReadPasswordAsync();
            var body = new { address = key, password, quotaBytes = Kept(current, "quotaBytes"), unlistedSenders = Kept(current, "unlistedSenders") };
            return await context.PrintAsync(r, HttpMethod.Put, $"accounts/{Segment(key)}", body, Done($"password set for {key}"), c);
        }));
        account.Subcommands.Add(Leaf("show", "Show an account", [address], (r, c) => context.PrintAsync(r, HttpMethod.Get, $"accounts/{Segment(r.GetValue(address)!)}", null, Fields, c)));
        account.Subcommands.Add(Leaf("delete", "Delete an account and its mail", [address], (r, c) =>
            context.PrintAsync(r, HttpMethod.Delete, $"accounts/{Segment(r.GetValue(address)!)}", null, Done($"deleted {r.GetValue(address)}"), c)));
        return account;
    }

    private static Command RelayCommand(CliContext context)
    {
        var relay = new Command("relay", "The Authorised IP list and the relay dry run");
        var entries = new Argument<string[]>("entry") { Description = "An address, a wildcard such as 192.168.1.%, or a CIDR range", Arity = ArgumentArity.OneOrMore };
        var ip = new Argument<string>("ip");
        var to = new Option<string?>("--to") { Description = "The recipient the client would ask for" };
        var helo = new Option<string?>("--helo") { Description = "The HELO name, for the SPF result" };
        var from = new Option<string?>("--from") { Description = "The MAIL FROM address (or <>), for the SPF result" };

        relay.Subcommands.Add(Leaf("show", "Show the relay policy", [], (r, c) => context.PrintAsync(r, HttpMethod.Get, "relay", null, Fields, c)));
        relay.Subcommands.Add(Leaf("allow", "Add entries to the Authorised IP list", [entries], (r, c) => EditRelayAsync(context, r, entries, add: true, c)));
        relay.Subcommands.Add(Leaf("deny", "Remove entries from the Authorised IP list", [entries], (r, c) => EditRelayAsync(context, r, entries, add: false, c)));
        relay.Subcommands.Add(Leaf("check", "Would a client at this address be allowed to relay?", [ip, to, helo, from], (r, c) =>
        {
            var query = new StringBuilder($"relay/check?ip={Uri.EscapeDataString(r.GetValue(ip)!)}");
            foreach (var (key, option) in new[] { ("to", to), ("helo", helo), ("from", from) })
            {
                if (r.GetValue(option) is { } value)
                {
                    query.Append(CultureInfo.InvariantCulture, $"&{key}={Uri.EscapeDataString(value)}");
                }
            }

            return context.PrintAsync(r, HttpMethod.Get, query.ToString(), null, Fields, c);
        }));
        return relay;
    }

    /// <summary>
    /// Reads the list, adds or removes the entries (exact text), and writes it back only to the version read (If-Match):
    /// when another admin changed the policy in between (412), it reads again and redoes the edit. The server validates every entry.
    /// </summary>
    private static async Task<int> EditRelayAsync(CliContext context, ParseResult result, Argument<string[]> entries, bool add, CancellationToken cancellationToken)
    {
        using var client = context.Connect(result);
        var given = result.GetValue(entries)!;
        for (var attempt = 1; ; attempt++)
        {
            var current = (await client.JsonAsync(HttpMethod.Get, "relay", null, cancellationToken))!.Value;
            var list = current.GetProperty("authorisedIps").EnumerateArray().Select(e => e.GetString()!).ToList();
            var changed = add
                ? given.Where(e => !list.Contains(e, StringComparer.OrdinalIgnoreCase)).ToList()
                : given.Where(e => list.Contains(e, StringComparer.OrdinalIgnoreCase)).ToList();
            if (!add && changed.Count < given.Length)
            {
                throw new CliException(Refused, $"not on the Authorised IP list: {string.Join(", ", given.Except(changed, StringComparer.OrdinalIgnoreCase))}");
            }

            var updated = add ? [.. list, .. changed] : list.Where(e => !changed.Contains(e, StringComparer.OrdinalIgnoreCase)).ToList();
            var version = current.TryGetProperty("version", out var v) ? $"\"{v.GetInt64().ToString(CultureInfo.InvariantCulture)}\"" : null;
            JsonElement? answer;
            try
            {
                answer = await client.JsonAsync(HttpMethod.Put, "relay", new { authorisedIps = updated }, cancellationToken, version);
            }
            catch (CliException e) when (e.Status == System.Net.HttpStatusCode.PreconditionFailed && attempt < 5)
            {
                continue;
            }

            return Report(context, result, answer, add, changed);
        }
    }

    private static int Report(CliContext context, ParseResult result, JsonElement? answer, bool add, List<string> changed)
    {
        if (result.GetValue(JsonOption))
        {
            context.WriteJson(answer);
        }
        else
        {
            context.Output.WriteLine(changed.Count == 0 ? "unchanged" : $"{(add ? "allowed" : "removed")}: {string.Join(", ", changed)}");
        }

        return 0;
    }

    private static Command QueueCommand(CliContext context)
    {
        var queue = new Command("queue", "The outbound queue: why mail waits, and what to do with it");
        var id = new Argument<string>("queue-id") { Description = "The queue id of the 250 reply and the log (or a row id)" };
        var optionalId = new Argument<string?>("queue-id") { Description = "The queue id of the 250 reply and the log (or a row id)", Arity = ArgumentArity.ZeroOrOne };
        var destination = new Option<string?>("--destination") { Description = "Only mail for this destination domain" };
        var sender = new Option<string?>("--sender") { Description = "Only mail from this envelope sender (<> for bounces)" };
        var recipient = new Option<string?>("--recipient") { Description = "Only this recipient" };
        var minAge = new Option<string?>("--min-age") { Description = "Only mail received at least this long ago: 90s, 15m, 2h, 3d" };
        var state = new Option<string?>("--state") { Description = "queued, deferred, sending or held" };
        var limit = new Option<int?>("--limit") { Description = "At most this many rows (1-1000, default 100)" };
        var all = new Option<bool>("--all") { Description = "Every queued message" };
        Option<string?>[] filters = [destination, sender, recipient, minAge, state];

        string Filter(ParseResult r, params (string Key, string? Value)[] extra)
        {
            var parts = new[] { ("destination", r.GetValue(destination)), ("sender", r.GetValue(sender)), ("recipient", r.GetValue(recipient)), ("minAge", r.GetValue(minAge)), ("state", r.GetValue(state)) }
                .Concat(extra)
                .Where(p => p.Item2 is not null)
                .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}")
                .ToList();
            return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
        }

        queue.Subcommands.Add(Leaf("list", "List queued recipients", [.. filters, limit], (r, c) =>
            context.PrintAsync(r, HttpMethod.Get, "queue" + Filter(r, ("limit", r.GetValue(limit)?.ToString(CultureInfo.InvariantCulture))), null, Table("queueId", "recipient", "state", "attempts", "nextAttemptAt", "lastError"), c)));
        queue.Subcommands.Add(Leaf("destinations", "Each destination: messages, held, connections, next attempt, last error", [], (r, c) =>
            context.PrintAsync(r, HttpMethod.Get, "queue/destinations?limit=1000", null, Table("destination", "messages", "recipients", "held", "connections", "nextAttemptAt", "lastError"), c)));
        queue.Subcommands.Add(Leaf("show", "One message: envelope, each recipient's attempts, header fields", [id], (r, c) =>
            context.PrintAsync(r, HttpMethod.Get, $"queue/{Segment(r.GetValue(id)!)}", null, Fields, c)));
        queue.Subcommands.Add(Leaf("content", "The raw message, as queued", [id], (r, c) => context.WriteRawAsync(r, $"queue/{Segment(r.GetValue(id)!)}/content", c)));
        foreach (var (action, text) in new[] { ("retry", "Try now"), ("hold", "Hold: never attempted until released"), ("release", "Release held mail: due at once"), ("delete", "Delete, without a bounce") })
        {
            queue.Subcommands.Add(Leaf(action, $"{text} — one message, or every message the filters select (--all for everything)", [optionalId, .. filters, all], (r, c) =>
            {
                var one = r.GetValue(optionalId);
                var filtered = filters.Any(f => r.GetValue(f) is not null);
                // Exactly one way to select: "--destination x --all" could mean either, and a bulk delete must not guess.
                if ((one is null ? 0 : 1) + (filtered ? 1 : 0) + (r.GetValue(all) ? 1 : 0) != 1)
                {
                    throw new CliException(Usage, $"queue {action} needs a queue id, or filters, or --all (exactly one of them)");
                }

                var (method, path) = (action, one) switch
                {
                    ("delete", null) => (HttpMethod.Delete, "queue" + Filter(r, ("all", r.GetValue(all) ? "true" : null))),
                    ("delete", _) => (HttpMethod.Delete, $"queue/{Segment(one)}"),
                    (_, null) => (HttpMethod.Post, $"queue/{action}" + Filter(r)),
                    _ => (HttpMethod.Post, $"queue/{Segment(one)}/{action}"),
                };
                return context.PrintAsync(r, method, path, null, ActionSummary, c);
            }));
        }

        return queue;
    }

    private static Command WhiteListCommand(CliContext context)
    {
        var whitelist = new Command("whitelist", "A local account's white list");
        var owner = new Argument<string>("owner");
        var address = new Argument<string>("address");
        whitelist.Subcommands.Add(Leaf("list", "List an account's white list", [owner], (r, c) =>
            context.PrintAsync(r, HttpMethod.Get, $"whitelist/{Segment(r.GetValue(owner)!)}", null, Table("address", "source", "addedAt", "lastMatchedAt"), c)));
        whitelist.Subcommands.Add(Leaf("add", "Add an address", [owner, address], (r, c) =>
            context.PrintAsync(r, HttpMethod.Put, $"whitelist/{Segment(r.GetValue(owner)!)}/{Segment(r.GetValue(address)!)}", null, Done($"{r.GetValue(address)} is on the white list of {r.GetValue(owner)}"), c)));
        whitelist.Subcommands.Add(Leaf("delete", "Remove an address", [owner, address], (r, c) =>
            context.PrintAsync(r, HttpMethod.Delete, $"whitelist/{Segment(r.GetValue(owner)!)}/{Segment(r.GetValue(address)!)}", null, Done($"removed {r.GetValue(address)}"), c)));
        return whitelist;
    }

    private static Command QuarantineCommand(CliContext context)
    {
        var quarantine = new Command("quarantine", "Mail held for an account from unlisted senders");
        var address = new Argument<string>("address");
        var id = new Argument<long>("id");
        string Path(ParseResult r) => $"accounts/{Segment(r.GetValue(address)!)}/quarantine/{r.GetValue(id).ToString(CultureInfo.InvariantCulture)}";
        quarantine.Subcommands.Add(Leaf("list", "List held mail", [address], (r, c) =>
            context.PrintAsync(r, HttpMethod.Get, $"accounts/{Segment(r.GetValue(address)!)}/quarantine", null, Table("id", "sender", "from", "subject", "size", "heldAt"), c)));
        quarantine.Subcommands.Add(Leaf("show", "The raw held message", [address, id], (r, c) => context.WriteRawAsync(r, Path(r), c)));
        quarantine.Subcommands.Add(Leaf("release", "Move it into the maildrop", [address, id], (r, c) => context.PrintAsync(r, HttpMethod.Post, Path(r) + "/release", null, Fields, c)));
        quarantine.Subcommands.Add(Leaf("delete", "Discard it", [address, id], (r, c) => context.PrintAsync(r, HttpMethod.Delete, Path(r), null, Done($"deleted {r.GetValue(id)}"), c)));
        return quarantine;
    }

    private static Command DkimCommand(CliContext context)
    {
        var dkim = new Command("dkim", "DKIM signing keys of local domains");
        var domain = new Argument<string>("domain");
        var selector = new Option<string>("--selector") { Description = "The selector (default emailai1)", DefaultValueFactory = _ => "emailai1" };
        var algorithm = new Option<string>("--algorithm") { Description = "rsa-sha256 (default) or ed25519-sha256", DefaultValueFactory = _ => "rsa-sha256" };
        var bits = new Option<int?>("--bits") { Description = "RSA key size (default 2048)" };
        var keyFile = new Option<FileInfo?>("--private-key-file") { Description = "Import this PEM private key instead of generating one" };
        dkim.Subcommands.Add(Leaf("create", "Create (or replace) the domain's key and print the DNS record to publish", [domain, selector, algorithm, bits, keyFile], async (r, c) =>
        {
            var pem = r.GetValue(keyFile) is { } file ? await ReadKeyFileAsync(file, c) : null;
            var isRsa = r.GetValue(algorithm)!.StartsWith("rsa", StringComparison.OrdinalIgnoreCase);
            var body = new { selector = r.GetValue(selector), algorithm = r.GetValue(algorithm), keyBits = pem is null && isRsa ? r.GetValue(bits) ?? 2048 : r.GetValue(bits), privateKeyPem = pem };
            return await context.PrintAsync(r, HttpMethod.Put, $"domains/{Segment(r.GetValue(domain)!)}/dkim", body, DnsRecord, c);
        }));
        dkim.Subcommands.Add(Leaf("show", "Show the key's DNS record", [domain], (r, c) => context.PrintAsync(r, HttpMethod.Get, $"domains/{Segment(r.GetValue(domain)!)}/dkim", null, DnsRecord, c)));
        dkim.Subcommands.Add(Leaf("delete", "Stop signing for the domain", [domain], (r, c) =>
            context.PrintAsync(r, HttpMethod.Delete, $"domains/{Segment(r.GetValue(domain)!)}/dkim", null, Done($"DKIM signing stopped for {r.GetValue(domain)}"), c)));
        return dkim;
    }

    private static async Task<string> ReadKeyFileAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(file.FullName, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(Usage, $"cannot read {file.FullName}: {ex.Message}");
        }
    }

    /// <summary>
    /// Text for a terminal: control characters other than line ends and tabs (ESC of an escape sequence, BEL, CR, the C1
    /// controls) become <c>\xNN</c>, so a hostile reply or subject cannot rewrite the screen or the window title.
    /// </summary>
    internal static string Printable(string text)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!text.Any(c => char.IsControl(c) && c is not '\n' and not '\t' || c is '\u2028' or '\u2029' or '\u202E' or '\u202D'))
        {
            return text;
        }

        var clean = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not '\n' and not '\t' || c is '\u2028' or '\u2029' or '\u202E' or '\u202D')
            {
                clean.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            }
            else
            {
                clean.Append(c);
            }
        }

        return clean.ToString();
    }

    /// <summary>A member of what the server has, to send back unchanged: its JSON value, or null when absent or null.</summary>
    private static JsonElement? Kept(JsonElement? current, string member) =>
        current is { ValueKind: JsonValueKind.Object } value && value.TryGetProperty(member, out var kept) && kept.ValueKind != JsonValueKind.Null ? kept : null;

    private static Option<string?> UnlistedSendersOption() =>
        new("--unlisted-senders") { Description = "deliver or quarantine: what happens to mail from senders not on the white list" };

    /// <summary>A forward delivery from HOST[:PORT] (an IPv6 address in brackets: [2001:db8::1]:25).</summary>
    private static object ForwardDelivery(string target)
    {
        var host = target;
        int? port = null;
        var colon = target.LastIndexOf(':');
        if (colon > 0 && (target[0] != '[' || target[colon - 1] == ']'))
        {
            if (!int.TryParse(target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw new CliException(Usage, $"--forward '{target}': the port must be a number");
            }

            (host, port) = (target[..colon], parsed);
        }

        return new { mode = "forward", host = host.Trim('[', ']'), port = port ?? 25 };
    }

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private static Command Leaf(string name, string description, IEnumerable<Symbol> symbols, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
                case Option option:
                    command.Options.Add(option);
                    break;
            }
        }

        command.SetAction(action);
        return command;
    }

    // ---- Human output ----------------------------------------------------------------------------------------------

    /// <summary>Prints an array of objects as aligned columns (a dotted name reads a nested member).</summary>
    private static Action<TextWriter, JsonElement> Table(params string[] columns) => (output, value) =>
    {
        var rows = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
        if (rows.Count == 0)
        {
            output.WriteLine("(none)");
            return;
        }

        var cells = rows.Select(row => columns.Select(c => Text(Member(row, c))).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Min(60, Math.Max(c.Length, cells.Max(r => r[i].Length)))).ToArray();
        output.WriteLine(string.Join("  ", columns.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        foreach (var row in cells)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => (cell.Length > widths[i] ? cell[..(widths[i] - 1)] + "…" : cell).PadRight(widths[i]))).TrimEnd());
        }
    };

    /// <summary>Prints an object as "name: value" lines, nested members indented.</summary>
    private static void Fields(TextWriter output, JsonElement value) => WriteFields(output, value, "");

    private static void WriteFields(TextWriter output, JsonElement value, string indent)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            output.WriteLine(indent + Text(value));
            return;
        }

        foreach (var property in value.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    output.WriteLine($"{indent}{property.Name}:");
                    WriteFields(output, property.Value, indent + "  ");
                    break;
                case JsonValueKind.Array when property.Value.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object):
                    output.WriteLine($"{indent}{property.Name}:");
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        output.WriteLine($"{indent}  -");
                        WriteFields(output, item, indent + "    ");
                    }

                    break;
                default:
                    output.WriteLine($"{indent}{property.Name}: {Text(property.Value)}");
                    break;
            }
        }
    }

    private static void DnsRecord(TextWriter output, JsonElement value)
    {
        output.WriteLine($"Publish this TXT record at {Text(Member(value, "dnsName"))}:");
        output.WriteLine(Text(Member(value, "dnsRecord")));
    }

    private static void ActionSummary(TextWriter output, JsonElement value)
    {
        output.WriteLine($"{Text(Member(value, "action"))} {Text(Member(value, "selection"))}: {Text(Member(value, "matched"))} matched, {Text(Member(value, "changed"))} changed");
        if (Member(value, "note") is { ValueKind: JsonValueKind.String } note)
        {
            output.WriteLine(note.GetString());
        }
    }

    private static Action<TextWriter, JsonElement> Done(string text) => (output, _) => output.WriteLine(text);

    private static JsonElement? Member(JsonElement value, string dotted)
    {
        JsonElement? current = value;
        foreach (var part in dotted.Split('.'))
        {
            current = current is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(part, out var next) ? next : null;
        }

        return current;
    }

    private static string Text(JsonElement? value) => value switch
    {
        null or { ValueKind: JsonValueKind.Null } => "",
        { ValueKind: JsonValueKind.String } s => s.GetString()!.ReplaceLineEndings(" "),
        { ValueKind: JsonValueKind.Array } a => string.Join(", ", a.EnumerateArray().Select(e => Text(e))),
        { } other => other.GetRawText(),
    };

    /// <summary>What one run needs: where its output goes, its standard input, and how it reaches the server.</summary>
    private sealed class CliContext(TextReader input, TextWriter output, HttpMessageHandler? handler)
    {
        public TextWriter Output => output;

        public AdminClient Connect(ParseResult result)
        {
            var url = result.GetValue(UrlOption) ?? Environment.GetEnvironmentVariable("EMAILAI_URL") ?? "http://127.0.0.1:8080";
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            {
                throw new CliException(Usage, $"'{url}' is not an http or https URL");
            }

            var token = result.GetValue(TokenOption) ?? Environment.GetEnvironmentVariable("EMAILAI_TOKEN") ?? ReadTokenFile(result);
            return new AdminClient(handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false), baseUri, token.Trim());
        }

        public async Task<int> PrintAsync(ParseResult result, HttpMethod method, string path, object? body, Action<TextWriter, JsonElement> human, CancellationToken cancellationToken)
        {
            using var client = Connect(result);
            var answer = await client.JsonAsync(method, path, body, cancellationToken);
            if (result.GetValue(JsonOption))
            {
                WriteJson(answer);
            }
            else
            {
                // What remote servers and senders wrote (a reply, a subject) reaches a terminal: no escape sequences.
                using var text = new StringWriter(CultureInfo.InvariantCulture);
                human(text, answer ?? default);
                await output.WriteAsync(Printable(text.ToString()));
            }

            return 0;
        }

        /// <summary>What the server has at <paramref name="path"/>, or null when it answers 404.</summary>
        public async Task<JsonElement?> FindAsync(ParseResult result, string path, CancellationToken cancellationToken)
        {
            using var client = Connect(result);
            try
            {
                return await client.JsonAsync(HttpMethod.Get, path, null, cancellationToken);
            }
            catch (CliException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }
        }

        public async Task<int> WriteRawAsync(ParseResult result, string path, CancellationToken cancellationToken)
        {
            using var client = Connect(result);
            var (_, body, _) = await client.SendAsync(HttpMethod.Get, path, null, cancellationToken);
            await output.FlushAsync(cancellationToken);
            if (output == Console.Out)
            {
                await using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(body, cancellationToken);
            }
            else
            {
                await output.WriteAsync(Encoding.UTF8.GetString(body));
            }

            return 0;
        }

        public void WriteJson(JsonElement? answer) =>
            output.WriteLine(answer is { } value ? JsonSerializer.Serialize(value, Indented) : "null");

        public async Task<string> ReadPasswordAsync()
        {
            var line = await input.ReadLineAsync();
            if (string.IsNullOrEmpty(line))
            {
                throw new CliException(Usage, "no password on standard input");
            }

            return line;
        }

        private static string ReadTokenFile(ParseResult result)
        {
            var directory = result.GetValue(DataDirOption) ?? Environment.GetEnvironmentVariable("EMAILAI_DATA_DIR") ?? "./data";
            var path = Path.Combine(directory, "admin-token");
            try
            {
                return File.ReadAllText(path).Trim() is { Length: > 0 } token
                    ? token
                    : throw new CliException(Unreachable, $"{Path.GetFullPath(path)} is empty");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CliException(Unreachable, $"no admin token: give --token or EMAILAI_TOKEN, or --data-dir where the server keeps admin-token ({ex.Message})");
            }
        }
    }
}
