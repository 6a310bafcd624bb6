import assert from "node:assert/strict";
import { captureOutput } from "../output.ts";
import { runDemo } from "./demo.ts";

Deno.test("runDemo shows an upload, a download and a conflict, then removes its folder", async () => {
  const parent = await Deno.makeTempDir({ prefix: "demo_test_" });
  try {
    const captured = captureOutput();
    const code = await runDemo({
      output: captured.output,
      keep: false,
      exitAfterScenario: true,
      tempParent: parent,
      waitMinutes: 0.02, // a pass every 1.2 s
      signals: { onStop: () => () => {} },
    });
    const out = captured.stdout();
    assert.equal(code, 0, out + captured.stderr());
    for (
      const text of [
        "downloaded notes.txt (server -> local)",
        "uploaded hello-from-local.txt (local -> server)",
        "downloaded hello-from-server.txt (server -> local)",
        "conflict on notes.txt: it changed on both sides; the newer (local) version keeps the name",
        "ok: The demo scenario is done",
        "Removed the demo folder",
      ]
    ) {
      assert.ok(out.includes(text), `${JSON.stringify(text)} in:\n${out}`);
    }
    assert.match(out, /notes\.conflict-\d{8}T\d{6}-remote\.txt +yes +yes/);
    assert.equal(captured.stderr(), "");
    assert.deepEqual([...Deno.readDirSync(parent)], []);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("runDemo stops cleanly when asked during the scenario; --keep keeps the folder", async () => {
  const parent = await Deno.makeTempDir({ prefix: "demo_test_" });
  try {
    const captured = captureOutput();
    let stop = () => {};
    const demo = runDemo({
      output: captured.output,
      keep: true,
      exitAfterScenario: false,
      tempParent: parent,
      signals: {
        onStop: (listener) => {
          stop = listener;
          return () => {};
        },
      },
    });
    while (!captured.stdout().includes("Pass 1:")) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    stop();
    assert.equal(await demo, 0, captured.stdout() + captured.stderr());
    const out = captured.stdout();
    assert.match(out, /Stopping: the running pass ends at a safe point/);
    assert.doesNotMatch(out, /The demo scenario is done/);
    const kept = [...Deno.readDirSync(parent)];
    assert.equal(kept.length, 1);
    const dir = `${parent}/${kept[0]!.name}`;
    assert.ok(out.includes(`Kept the demo folder: ${dir}`));
    assert.equal(await Deno.readTextFile(`${dir}/local/notes.txt`), "Notes, first version.\n");
    assert.ok((await Deno.stat(`${dir}/parametre.ini`)).isFile);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("runDemo fails with exit code 1 when an expected pass does not come", async () => {
  const parent = await Deno.makeTempDir({ prefix: "demo_test_" });
  try {
    const captured = captureOutput();
    const code = await runDemo({
      output: captured.output,
      keep: false,
      exitAfterScenario: true,
      tempParent: parent,
      stepTimeoutMs: 1, // no pass can be that fast
      signals: { onStop: () => () => {} },
    });
    assert.equal(code, 1);
    assert.match(
      captured.stderr(),
      /^error: The demo did not see the first pass download notes\.txt within 0\.001 s$/m,
    );
    assert.deepEqual([...Deno.readDirSync(parent)], []);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
