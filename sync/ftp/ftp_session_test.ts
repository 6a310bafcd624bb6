import assert from "node:assert/strict";
import type { DenoFtpClient } from "./deno_ftp_client.ts";
import { FtpSession } from "./ftp_session.ts";
import { ServerProfiles } from "./server_profile.ts";

function session(home: string): FtpSession {
  return new FtpSession({
    client: {} as DenoFtpClient,
    profile: new ServerProfiles().get({ host: "h", port: 21, user: "u" }),
    home,
    now: Date.now,
    tls: false,
  });
}

Deno.test("paths start at the login directory; // starts at the server's root", () => {
  const s = session("/home/bob");
  const rows: [string, string][] = [
    ["/", "/home/bob"],
    ["/www", "/home/bob/www"],
    ["/www/a b.txt", "/home/bob/www/a b.txt"],
    ["www/", "/home/bob/www"],
    ["//var/www", "/var/www"],
    ["//var/www/a.txt", "/var/www/a.txt"],
    ["///var//www", "/var//www"],
    ["//", "/"],
  ];
  for (const [path, server] of rows) assert.equal(s.path(path), server, path);
  assert.equal(session("/").path("/www"), "/www");
  assert.equal(session("/").path("//www"), "/www");
  assert.throws(() => s.path("/a\nb"), /line break/);
});

Deno.test("whereLooked says which path was tried, from which login directory, and the // form", () => {
  assert.equal(
    session("/home/bob").whereLooked("/var/www"),
    '"/home/bob/var/www" (paths start at the FTP login directory "/home/bob"; write ' +
      '"//var/www" for "/var/www" from the server\'s root)',
  );
  assert.equal(session("/home/bob").whereLooked("//var/www"), '"/var/www"');
  assert.equal(session("/").whereLooked("/var/www"), '"/var/www"');
});
