import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  execStartArgs,
  quoteExecArg,
  renderUnit,
  UNIT_NAME,
  type UnitOptions,
  writablePaths,
} from "./systemd_unit.ts";

const SNAPSHOTS = fileURLToPath(new URL("./testdata/", import.meta.url));
/** Set UPDATE_SNAPSHOTS=1 to rewrite the golden files after a deliberate change. */
const UPDATE = Deno.env.get("UPDATE_SNAPSHOTS") === "1";

const CASES: Array<{ name: string; options: UnitOptions }> = [
  {
    name: "binary.service",
    options: {
      exec: { kind: "binary", path: "/usr/local/bin/ftp-clone" },
      configPath: "/etc/ftp-clone/parametre.ini",
      localDirs: ["/srv/data", "/home/ann/sync"],
    },
  },
  {
    name: "source.service",
    options: {
      exec: {
        kind: "source",
        deno: "/usr/local/bin/deno",
        modTs: "/opt/ftp clone/mod.ts",
        denoConfig: "/opt/ftp clone/deno.json",
      },
      configPath: "/opt/ftp clone/parametre.ini",
      localDirs: ["/etc/www", "/usr/local/share/site", "/srv/x"],
      watchdogSec: 120,
    },
  },
];

Deno.test("renderUnit() matches the golden files", async (t) => {
  for (const { name, options } of CASES) {
    await t.step(name, () => {
      const text = renderUnit(options);
      const path = join(SNAPSHOTS, name);
      if (UPDATE) {
        Deno.mkdirSync(SNAPSHOTS, { recursive: true });
        Deno.writeTextFileSync(path, text);
      }
      assert.equal(text, Deno.readTextFileSync(path));
    });
  }
});

Deno.test("renderUnit() has the required settings", () => {
  const text = renderUnit(CASES[0]!.options);
  for (
    const line of [
      "Type=notify",
      "Restart=on-failure",
      "StateDirectory=ftp-clone",
      "ExecReload=/usr/local/bin/ftp-clone --config /etc/ftp-clone/parametre.ini reload --pid " +
      "$MAINPID",
      "RestartPreventExitStatus=2",
      "WatchdogSec=300s",
      "RuntimeDirectory=ftp-clone",
      "KillMode=mixed",
      "TimeoutStopSec=30s",
      "SyslogIdentifier=ftp-clone",
      "ExecStart=/usr/local/bin/ftp-clone --config /etc/ftp-clone/parametre.ini service",
      "ReadWritePaths=-/etc/ftp-clone",
      "SystemCallFilter=@chown",
      "WantedBy=multi-user.target",
    ]
  ) {
    assert.ok(text.split("\n").includes(line), `missing ${line}`);
  }
  assert.doesNotMatch(text, /DENO_DIR/);
});

Deno.test("execStartArgs() runs deno with the flags sd_notify needs from source", () => {
  assert.deepEqual(
    execStartArgs({ kind: "source", deno: "/d/deno", modTs: "/r/mod.ts" }, "/e/p.ini"),
    [
      "/d/deno",
      "run",
      "--allow-all",
      "--unstable-net",
      "--quiet",
      "--v8-flags=--max-semi-space-size=4",
      "/r/mod.ts",
      "--config",
      "/e/p.ini",
      "service",
    ],
  );
});

Deno.test("quoteExecArg() quotes what systemd would split or expand", async (t) => {
  const table: Array<[string, string]> = [
    ["/usr/bin/x", "/usr/bin/x"],
    ["a b", '"a b"'],
    ["50%", "50%%"],
    ["$HOME", '"$$HOME"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["back\\slash", '"back\\\\slash"'],
    ["", '""'],
  ];
  for (const [input, expected] of table) {
    await t.step(JSON.stringify(input), () => assert.equal(quoteExecArg(input), expected));
  }
});

Deno.test("writablePaths() lists the config dir and Local_dirs under read-only trees", () => {
  assert.deepEqual(
    writablePaths("/etc/ftp-clone/parametre.ini", [
      "/srv/a",
      "/etc/ftp-clone",
      "/usr/share/b",
      "/usrx/c",
      "/boot/d",
      "/efi",
    ]),
    ["/etc/ftp-clone", "/usr/share/b", "/boot/d", "/efi"],
  );
  assert.deepEqual(
    writablePaths("/srv/p.ini", [], "/etc/node/metrics/ftp-clone.prom"),
    ["/srv", "/etc/node/metrics"],
  );
});

// ---- systemd-analyze: runs without systemd as PID 1. ----

function analyzeMissing(): string | undefined {
  try {
    new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return undefined;
  } catch {
    return "systemd-analyze is not installed";
  }
}

async function analyze(args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command("systemd-analyze", { args, stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

/** Writes the unit with a real ExecStart (verify needs the executable to exist). */
async function writeUnit(options: UnitOptions): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "unit-" });
  const path = join(dir, UNIT_NAME);
  await Deno.writeTextFile(path, renderUnit(options));
  return { dir, path };
}

const missing = analyzeMissing();
if (missing !== undefined && Deno.env.get("CI") === "true") {
  Deno.test("systemd-analyze is installed", () => assert.fail(missing));
}

const REAL_UNITS: UnitOptions[] = [
  {
    exec: {
      kind: "source",
      deno: Deno.execPath(),
      modTs: fileURLToPath(new URL("../mod.ts", import.meta.url)),
      denoConfig: fileURLToPath(new URL("../deno.json", import.meta.url)),
    },
    configPath: "/etc/ftp-clone/parametre.ini",
    localDirs: ["/srv/data", "/etc/site"],
  },
  {
    exec: { kind: "binary", path: "/bin/true" },
    configPath: "/etc/ftp-clone/parametre.ini",
    watchdogSec: 60,
  },
];

Deno.test({
  name: "systemd-analyze verify prints nothing for the unit",
  ignore: missing !== undefined,
  fn: async (t) => {
    for (const options of REAL_UNITS) {
      await t.step(options.exec.kind, async () => {
        const { dir, path } = await writeUnit(options);
        try {
          const r = await analyze(["verify", "--man=no", "--generators=no", path]);
          // Any output is a failure: typos only give warnings with exit code 0.
          assert.equal(r.out, "");
          assert.equal(r.code, 0);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      });
    }
  },
});

Deno.test({
  name: "systemd-analyze verify catches a typo (the check can fail)",
  ignore: missing !== undefined,
  fn: async () => {
    const { dir, path } = await writeUnit(REAL_UNITS[1]!);
    try {
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(path, text.replace("Restart=on-failure", "Restrat=on-failure"));
      const r = await analyze(["verify", "--man=no", "--generators=no", path]);
      assert.match(r.out, /Unknown key 'Restrat'/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "systemd-analyze security scores the unit 2.5 or better",
  ignore: missing !== undefined,
  fn: async () => {
    const { dir, path } = await writeUnit(REAL_UNITS[0]!);
    try {
      const r = await analyze(["security", "--offline=true", "--no-pager", path]);
      const score = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.out);
      assert.ok(score !== null, `no score in: ${r.out.slice(-500)}`);
      assert.ok(Number(score[1]) <= 2.5, `exposure ${score[1]} > 2.5`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
