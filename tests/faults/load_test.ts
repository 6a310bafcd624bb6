/**
 * Load: 3 sections x 8 connections against one server, run by the real service (`mod.ts service`,
 * ServiceWait = 0.02 min, Watch = yes), while seeded writers keep creating, rewriting, deleting and
 * renaming files on both sides of every section (a few operations per second per side) for 60 s
 * in CI, 600 s with FTP_CLONE_FAULTS=large (FTP_CLONE_LOAD_SECONDS overrides). The service's RSS
 * is sampled every second. Then the writers stop, the service gets SIGTERM (exit 0 within
 * seconds) and `mod.ts sync` runs twice (the second changes nothing). Checks: equal trees per
 * section, no temporary file, nothing lost or resurrected (load_check.ts), no unknown bytes, a
 * flat RSS under 200 MiB, and no error-level line from the service.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { encryptPassword, loadSecretKey } from "../../config/mod.ts";
import { TRASH_DIR_NAME } from "../../sync/exclude.ts";
import { runCli } from "../support/cli.ts";
import { makeRng, type Rng } from "../support/fuzz_ini.ts";
import {
  ignoreUnlessServer,
  type ServerKind,
  startServer,
  type TestServer,
} from "../support/ftp_servers.ts";
import { FUZZ_SEED, LARGE, scaled, SKIP_KNOWN_BUGS } from "./fault_scale.ts";
import {
  checkOwned,
  checkShared,
  compareTrees,
  isConflictCopy,
  median,
  readTree,
  tempFiles,
  unknownContent,
} from "./load_check.ts";
import { Ledger, type SideIo, Writer } from "./load_writer.ts";
import { Service } from "./load_service.ts";

const SECONDS = Number(Deno.env.get("FTP_CLONE_LOAD_SECONDS") ?? scaled(60, 600));
const SECTIONS = 3;
/** Mean pause between two operations of one writer, ms (~3 operations per second). */
const PAUSE_MS = 300;
const MIB = 1024 * 1024;
/** FTP_CLONE_LOAD_SERVERS=vsftpd,proftpd picks the servers; else vsftpd (and proftpd when large). */
const KINDS = (Deno.env.get("FTP_CLONE_LOAD_SERVERS")?.split(",") ??
  (LARGE ? ["vsftpd", "proftpd"] : ["vsftpd"])) as ServerKind[];

/**
 * Error lines of two known bugs (reported to the lead, not fixed yet); any other error line fails
 * the test. 1. A writer changing, deleting or renaming a file during a pass: each such race is a
 * failed action, logged at error priority, failing the pass ("changed" ones are transient and
 * skip every deletion of the pass). 2. SIGTERM during a pass: each interrupted transfer is logged
 * as an error.
 */
const RACE_CAUSE = String.raw`Cannot (?:upload|download|keep both versions of) "[^"]*": (?:` + [
  String.raw`"[^"]*" changed since it was listed; `,
  String.raw`The remote file changed during the download `,
  // The remote file was deleted or renamed after the listing (vsftpd, proftpd wording).
  String.raw`FTP command "RETR [^"]*" failed: server replied "550 `,
  // proftpd resets the data connection when the file it sends is truncated by a rewrite.
  String.raw`FTP command "RETR [^"]*" failed: Connection reset by peer `,
  // The local file was deleted or renamed after the listing.
  String.raw`FTP command "STOR [^"]*" failed: No such file or directory `,
  // SIGTERM.
  String.raw`The service is stopping$`,
  String.raw`FTP command "\S+ [^"]*" was aborted$`,
].join("|") + ")";
const RACE_ERROR = new RegExp(
  String.raw`^\S+Z error \[FTP\d\] (?:(?:Pass of section FTP\d failed with \d+ error\(s\), ` +
    String.raw`the first: )?(?:${RACE_CAUSE})` +
    String.raw`|Skipped deleting "[^"]*": a transfer failed; the next pass retries$)`,
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One section's roots, ledger and writers. */
interface Section {
  name: string;
  local: string;
  remote: string;
  ledger: Ledger;
  writers: Writer[];
}

function localIo(root: string): SideIo {
  return {
    root,
    write: async (rel, bytes) => {
      const abs = join(root, rel);
      await Deno.mkdir(join(abs, ".."), { recursive: true });
      await Deno.writeFile(abs, bytes);
    },
    mkdir: (rel) => Deno.mkdir(join(root, rel), { recursive: true }),
  };
}

function remoteIo(srv: TestServer, dir: string): SideIo {
  return {
    root: join(srv.root, dir),
    write: (rel, bytes, mtime) => srv.writeFile(`${dir}/${rel}`, bytes, mtime ? { mtime } : {}),
    mkdir: (rel) => srv.mkdir(`${dir}/${rel}`),
  };
}

async function writeIni(srv: TestServer, dir: string, sections: Section[]): Promise<string> {
  const ini = join(dir, "parametre.ini");
  const key = await loadSecretKey(ini, { create: true });
  assert.ok(key);
  let text = `[Service]\nStateDirectory = ${join(dir, "state")}\nServiceWait = 0.02\n` +
    `Watch = yes\nLogLevel = info\nConcurrentSynchronisations = ${SECTIONS}\n`;
  for (const s of sections) {
    const password = await encryptPassword(srv.password, key, { section: s.name });
    text += `\n[${s.name}]\nServer = ${srv.host}\nPort = ${srv.port}\nUser = ${srv.user}\n` +
      `Password = ${password}\nRemote_dir = /${s.name.toLowerCase()}\nLocal_dir = ${s.local}\n` +
      `ConcurrentConnections = 8\nMaxDelete = 100\n`;
  }
  await Deno.writeTextFile(ini, text);
  return ini;
}

/** Every file of the section's trash (`<Local_dir>/.ftp-clone-trash`), as hashes. */
function trashHashes(localDir: string): Set<string> {
  return new Set(readTree(join(localDir, TRASH_DIR_NAME)).files.values());
}

/**
 * Each writer has its own generator, so that its sequence of operations does not depend on how
 * the six writers interleave (FTP_CLONE_FUZZ_SEED replays a run).
 */
function rng(section: number, side: number): Rng {
  return makeRng((FUZZ_SEED ^ Math.imul(section * 2 + side + 1, 0x9e3779b1)) >>> 0);
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

for (const kind of KINDS) {
  Deno.test({
    name:
      `load: ${SECTIONS} sections x 8 connections on ${kind}, both sides changing for ${SECONDS} s`,
    ignore: ignoreUnlessServer(kind),
    async fn(t) {
      await using srv = await startServer({ kind });
      const dir = await Deno.makeTempDir({ prefix: "ftp-clone-load-" });
      try {
        const sections: Section[] = [];
        for (let i = 1; i <= SECTIONS; i++) {
          const name = `FTP${i}`;
          const local = join(dir, `local${i}`);
          await Deno.mkdir(local);
          await srv.mkdir(name.toLowerCase());
          const ledger = new Ledger();
          const writers = [
            new Writer({
              section: name,
              side: "local",
              io: localIo(local),
              ledger,
              rng: rng(i, 0),
            }),
            new Writer({
              section: name,
              side: "remote",
              io: remoteIo(srv, name.toLowerCase()),
              ledger,
              rng: rng(i, 1),
            }),
          ];
          for (const w of writers) await w.seed(12);
          sections.push({
            name,
            local,
            remote: join(srv.root, name.toLowerCase()),
            ledger,
            writers,
          });
        }
        const ini = await writeIni(srv, dir, sections);
        await using svc = new Service(ini);

        await t.step("the first passes merge both sides of every section", async () => {
          for (const s of sections) {
            await svc.until(
              `the first pass of [${s.name}]`,
              () => svc.count(new RegExp(`^\\S+ info \\[${s.name}\\] Pass ok in `)) >= 1,
              60_000,
            );
          }
        });

        const stop = new AbortController();
        await t.step(`the writers run for ${SECONDS} s, the service keeps up`, async () => {
          const running = sections.flatMap((s) =>
            s.writers.map((w) => w.run(stop.signal, PAUSE_MS))
          );
          await sleep(SECONDS * 1000);
          stop.abort();
          await Promise.all(running);
          const failures = sections.flatMap((s) => s.writers.flatMap((w) => w.failures));
          assert.deepEqual(failures.slice(0, 20), [], "a writer's own file moved under it");
          assert.equal(await Promise.race([svc.status, sleep(0).then(() => "running")]), "running");
        });

        await t.step("SIGTERM: the service exits 0 within seconds", async () => {
          const started = Date.now();
          svc.kill("SIGTERM");
          let timer: ReturnType<typeof setTimeout> | undefined;
          const status = await Promise.race([
            svc.status,
            new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), 30_000)),
          ]);
          clearTimeout(timer);
          const ms = Date.now() - started;
          assert.ok(
            status !== null,
            `no exit 30 s after SIGTERM:\n${svc.lines.slice(-30).join("\n")}`,
          );
          assert.equal(status.code, 0, svc.lines.slice(-30).join("\n"));
          assert.ok(ms < 15_000, `exit took ${ms} ms`);
        });

        await t.step("two more passes by `sync`: the second changes nothing", async () => {
          const first = await runCli(["--config", ini, "sync"], { timeoutMs: 120_000 });
          assert.equal(first.code, 0, first.stdout + first.stderr);
          const second = await runCli(["--config", ini, "sync"], { timeoutMs: 120_000 });
          assert.equal(second.code, 0, second.stdout + second.stderr);
          for (const s of sections) {
            assert.match(
              second.stdout,
              new RegExp(
                `^ok: \\[${s.name}\\] 0 uploaded, 0 downloaded, 0 deleted locally, ` +
                  "0 deleted on the server, 0 conflicts, 0 errors",
                "m",
              ),
              second.stdout,
            );
          }
        });

        const summary: string[] = [];
        const notes: string[] = [];
        await t.step("equal trees, no temporary file, nothing lost or resurrected", () => {
          const problems: string[] = [];
          for (const s of sections) {
            const local = readTree(s.local, { skip: TRASH_DIR_NAME });
            const remote = readTree(s.remote);
            const trash = trashHashes(s.local);
            const add = (what: string, list: string[]) =>
              problems.push(...list.slice(0, 20).map((p) => `[${s.name}] ${what}: ${p}`));
            add("trees", compareTrees(local, remote));
            add("temporary file", [...tempFiles(s.local), ...tempFiles(s.remote)]);
            for (const [side, tree] of [["local", local], ["remote", remote]] as const) {
              // Known bug: a local file rewritten during its upload becomes a conflict next pass.
              const known = SKIP_KNOWN_BUGS ? { notes } : {};
              add(`${side} l/`, checkOwned(tree, s.ledger, { prefix: "l/", ...known }));
              add(`${side} r/`, checkOwned(tree, s.ledger, { prefix: "r/", ...known }));
              add(`${side} s/`, checkShared(tree, s.ledger, { trash, notes }));
              add(`${side} content`, unknownContent(tree, s.ledger));
            }
            const conflicts = [...local.files.keys()].filter(isConflictCopy).length;
            const ops = s.writers.map((w) =>
              `${w.prefix[0]}: ${JSON.stringify(w.counts).replaceAll('"', "")}`
            );
            summary.push(...new Set(notes.splice(0).map((n) => `[${s.name}] ${n}`)));
            summary.push(
              `[${s.name}] ${local.files.size} files, ${conflicts} conflict copies, ` +
                `${trash.size} in the trash; ops ${ops.join(" ")}`,
            );
          }
          assert.deepEqual(problems, []);
        });

        await t.step("memory stays flat and under 200 MiB", () => {
          const all = svc.rss.map(([, bytes]) => bytes);
          const total = svc.rss.at(-1)?.[0] ?? 0;
          const warm = Math.min(10, total / 6);
          const early = svc.rss.filter(([s]) => s >= warm && s < total / 3).map(([, b]) => b);
          const late = svc.rss.filter(([s]) => s >= (2 * total) / 3).map(([, b]) => b);
          const peak = Math.max(...all);
          const tenths = Array.from({ length: 10 }, (_, i) =>
            median(
              svc.rss.filter(([s]) => s >= (i * total) / 10 && s < ((i + 1) * total) / 10)
                .map(([, b]) => b),
            ) / MIB);
          summary.push(
            `RSS by tenth of the run (MiB): ${tenths.map((m) => m.toFixed(0)).join(" ")}`,
          );
          summary.push(
            `RSS: ${all.length} samples, early median ${mib(median(early))}, late median ${
              mib(median(late))
            }, peak ${mib(peak)}`,
          );
          assert.ok(early.length >= 3 && late.length >= 3, `too few samples: ${all.length}`);
          assert.ok(peak < 200 * MIB, `peak RSS ${mib(peak)}`);
          // V8's heap grows through the first minute (measured: 75 -> 115 MiB in 60 s, then
          // 130 -> 147 MiB over the next 9 min), hence the absolute slack for the short run.
          const bound = Math.max(1.5 * median(early), median(early) + 48 * MIB);
          assert.ok(
            median(late) <= bound,
            `RSS grew: early median ${mib(median(early))}, late ${mib(median(late))}`,
          );
        });

        await t.step("the service logged no error", () => {
          const passes = svc.count(/ \[FTP\d\] Pass \w+ in /);
          const conflicts = svc.lines.map((l) => / (\d+) conflicts,/.exec(l)?.[1])
            .reduce((sum, n) => sum + Number(n ?? 0), 0);
          summary.push(
            `service: ${passes} passes, ${conflicts} conflicts, ${svc.lines.length} lines`,
          );
          const dump = Deno.env.get("FTP_CLONE_LOAD_LOG");
          if (dump !== undefined) {
            // For debugging a failure: the service's log, then every version the writers wrote.
            const versions = sections.flatMap((s) =>
              [...s.ledger.history].flatMap(([path, list]) =>
                list.map((v) =>
                  `${s.name} ${path} ${v.side} ${v.hash.slice(0, 8)} ${
                    new Date(v.at).toISOString()
                  }`
                )
              )
            );
            Deno.writeTextFileSync(dump, [...svc.lines, ...versions].join("\n") + "\n");
          }
          const errors = svc.lines.filter((l) => /^\S+Z error /.test(l));
          const races = errors.filter((l) => RACE_ERROR.test(l));
          summary.push(`service: ${races.length} error lines of the known bugs (races, SIGTERM)`);
          // deno-lint-ignore no-console
          console.log(`load on ${kind}, ${SECONDS} s:\n  ${summary.join("\n  ")}`);
          assert.deepEqual(errors.filter((l) => !RACE_ERROR.test(l)).slice(0, 20), []);
          // Known bug: a file changed during its transfer is an error (and skips the pass's
          // deletions) rather than a warning; see RACE_ERROR.
          if (!SKIP_KNOWN_BUGS) assert.deepEqual(races.slice(0, 20), []);
          assert.ok(passes >= SECTIONS * 3, `only ${passes} passes`);
        });
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
