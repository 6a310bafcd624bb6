import assert from "node:assert/strict";
import { exitCodeFor, syncSections } from "./run_sections.ts";
import { MemoryRemoteTree } from "../tests/support/memory_remote_fs.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import type { SectionConfig } from "../config/mod.ts";
import { testSection } from "../tests/support/section_config.ts";

function section(name: string, localDir: string, remoteDir: string): SectionConfig {
  return testSection({
    name,
    concurrentConnections: 2,
    remoteDir,
    localDir,
    identifier: `${name}-id`,
  });
}

Deno.test("syncSections() runs each section with its own pool, concurrency at a time", async () => {
  const root = await Deno.makeTempDir();
  try {
    const tree = new MemoryRemoteTree({ precisionMs: 1000 });
    const sections: SectionConfig[] = [];
    for (let i = 0; i < 4; i++) {
      Deno.mkdirSync(`${root}/l${i}`);
      Deno.writeTextFileSync(`${root}/l${i}/f.txt`, `s${i}`);
      tree.putDir(`/r${i}`);
      sections.push(section(`FTP${i}`, `${root}/l${i}`, `/r${i}`));
    }
    sections.push(section("BROKEN", `${root}/missing`, "/r0"));
    let open = 0;
    let maxOpen = 0;
    const closed: string[] = [];
    const outcomes = await syncSections(sections, {
      concurrency: 2,
      stateDir: `${root}/state`,
      binDirectory: "/bin",
      dryRun: false,
      identifierOf: (s) => s.identifier!,
      makePool: (s): RemoteFsPool => {
        open++;
        maxOpen = Math.max(maxOpen, open);
        const pool = tree.pool(2);
        return {
          get size() {
            return pool.size;
          },
          use: (fn, signal) => pool.use(fn, signal),
          close: async () => {
            open--;
            closed.push(s.name);
            await pool.close();
          },
        };
      },
    });
    assert.deepEqual(outcomes.map((o) => [o.section.name, o.outcome.report.outcome]), [
      ["FTP0", "ok"],
      ["FTP1", "ok"],
      ["FTP2", "ok"],
      ["FTP3", "ok"],
      ["BROKEN", "failed"],
    ]);
    for (let i = 0; i < 4; i++) assert.equal(tree.readText(`/r${i}/f.txt`), `s${i}`);
    assert.equal(maxOpen, 2);
    assert.equal(closed.length, 5);
    assert.equal(exitCodeFor(outcomes), 1);
    assert.equal(exitCodeFor(outcomes.slice(0, 4)), 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
