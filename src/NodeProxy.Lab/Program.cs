using NodeProxy.Lab;

// nodeproxy-lab demo: the README's main command.
const string Usage = "usage: nodeproxy-lab demo [--source examples/nginx] [--iptables-backend nft|legacy]\n       nodeproxy-lab idle-clients HOST:PORT COUNT";
if (args is ["idle-clients", var target, var count])
{
    return await IdleClients.RunAsync(target, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
}

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
