// The README demo is still to come; until then the tool only says so.
Console.Error.WriteLine("usage: nodeproxy-lab <demo>   (not written yet: the lab is used as a library by the end-to-end tests)");
return 2;
