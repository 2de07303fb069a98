namespace NodeProxy.Commands;

/// <summary>Turns the errors a user can fix (a wrong path, an unreadable file) into one clear line and exit code 1.</summary>
internal static class UserErrors
{
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
