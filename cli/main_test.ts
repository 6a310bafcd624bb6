import assert from "node:assert/strict";
import { main } from "./main.ts";
import { captureOutput } from "./output.ts";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = captureOutput();
  const code = await main(args, { output: captured.output, env: {}, cwd: "/" });
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

Deno.test("main() maps commander's outcomes to exit codes and never prints directly", async (t) => {
  const rows: { name: string; args: string[]; code: number; stdout: RegExp; stderr: RegExp }[] = [
    {
      name: "--version",
      args: ["--version"],
      code: 0,
      stdout: /^ftp-clone \d+\.\d+\.\d+ \(Deno \d+\.\d+\.\d+, V8 \S+, \S+-linux-gnu\)\n$/,
      stderr: /^$/,
    },
    { name: "--help", args: ["--help"], code: 0, stdout: /^Usage: ftp-clone /, stderr: /^$/ },
    {
      name: "help sync",
      args: ["help", "sync"],
      code: 0,
      stdout: /^Usage: ftp-clone sync /,
      stderr: /^$/,
    },
    { name: "no command", args: [], code: 2, stdout: /^$/, stderr: /^Usage: ftp-clone / },
    {
      name: "unknown command",
      args: ["nope"],
      code: 2,
      stdout: /^$/,
      stderr: /^error: unknown command 'nope'\n/,
    },
    {
      name: "bad option value",
      args: ["--log-level", "x", "check"],
      code: 2,
      stdout: /^$/,
      stderr: /^error: option '--log-level <level>' argument 'x' is invalid/,
    },
  ];
  for (const row of rows) {
    await t.step(row.name, async () => {
      const r = await run(row.args);
      assert.equal(r.code, row.code, r.stderr);
      assert.match(r.stdout, row.stdout);
      assert.match(r.stderr, row.stderr);
    });
  }
});

Deno.test("main() runs a command with the config path from the environment", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-main-" });
  try {
    const captured = captureOutput();
    const code = await main(["password", "FTP1", "x"], {
      output: captured.output,
      env: { FTP_CLONE_CONFIG: "p.ini" },
      cwd: dir,
    });
    assert.equal(code, 2);
    assert.equal(
      captured.stderr(),
      `error: Cannot read configuration "${dir}/p.ini": no such file or directory\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
