namespace NodeProxy.Sync;

/// <summary>
/// What an <see cref="IRuleTables"/> throws when a command fails or a batch is refused. Defined
/// here, beside the interface, so that Sync handles the failure without knowing which tool
/// (Apply's IptablesTool, a test's fake) stands behind it.
/// </summary>
public abstract class RuleTablesException(string message) : Exception(message);
