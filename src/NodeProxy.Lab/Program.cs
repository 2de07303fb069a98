using NodeProxy.Lab;

// nodeproxy-lab demo: the README's main command.
const string Usage = "usage: nodeproxy-lab demo [--source examples/nginx] [--iptables-backend nft|legacy]";
if (args is not ["demo", ..])
{
    Console.Error.WriteLine(Usage);
    return 2;
}

DemoOptions options;
try
{
    options = DemoOptions.Parse(args[1..]);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{Usage}");
    return 2;
}

return await Demo.RunAsync(options);
