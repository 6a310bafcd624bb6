/**
 * Renames on either side (issue 13 item 1, and the general A -> B of issue 16): the source still
 * what was listed, the destination free (or the source itself), rows moved, a refused rename
 * falling back with nothing lost.
 */
import assert from "node:assert/strict";
import { execute } from "./execute.ts";
import type { MemoryRemoteTree } from "../tests/support/memory_remote_fs.ts";
import type { RemoteFs, RemoteFsPool } from "./ftp/remote_fs.ts";
import type { Action, BaselineRow, Entry, MovedRow } from "./types.ts";
import {
  type Fixture,
  NOW,
  planOf,
  withFixture,
  withoutCommands,
} from "../tests/support/execute_fixture.ts";

function row(path: string, local: Entry, remote: Entry): BaselineRow {
  return { path, kind: local.kind, local: { ...local, path }, remote: { ...remote, path } };
}

function moved(
  from: string,
  to: string,
  f: Fixture,
  localPath: string,
  remotePath: string,
): MovedRow {
  return { from, row: row(to, f.localEntry(localPath), f.remoteEntry(remotePath)) };
}

function renameLocal(f: Fixture, from: string, to: string, rows: MovedRow[]): Action {
  return {
    type: "renameLocal",
    path: to,
    from,
    kind: f.localEntry(from).kind,
    local: f.localEntry(from),
    rows,
    reason: "",
  };
}

function renameRemote(f: Fixture, from: string, to: string, rows: MovedRow[]): Action {
  return {
    type: "renameRemote",
    path: to,
    from,
    kind: "file",
    remote: f.remoteEntry(from),
    local: f.localEntry(to),
    rows,
    reason: "",
  };
}

/**
 * A view of the tree through a server that ignores case (IIS, a Windows share): each path's
 * names are matched against the existing ones case-insensitively; a rename onto the source's
 * own name in another case renames it.
 */
function caseInsensitive(pool: RemoteFsPool, tree: MemoryRemoteTree): RemoteFsPool {
  const resolve = (path: string): string => {
    let node = tree.root;
    const out: string[] = [];
    for (const part of path.split("/").filter((p) => p !== "")) {
      const name = node.kind === "dir"
        ? [...node.children.keys()].find((n) => n.toLowerCase() === part.toLowerCase()) ?? part
        : part;
      out.push(name);
      const child = node.kind === "dir" ? node.children.get(name) : undefined;
      if (child?.kind !== "dir") {
        out.push(...path.split("/").filter((p) => p !== "").slice(out.length));
        break;
      }
      node = child;
    }
    return `/${out.join("/")}`;
  };
  return {
    size: pool.size,
    close: () => pool.close(),
    use: (fn, signal) =>
      pool.use((fs) =>
        fn(
          new Proxy(fs, {
            get(target, key) {
              const value = Reflect.get(target, key);
              if (typeof value !== "function") return value;
              if (key === "rename") {
                return (from: string, to: string) => {
                  const source = resolve(from);
                  const resolved = resolve(to);
                  // The same file in another case: the server renames it.
                  return target.rename(source, resolved === source ? to : resolved);
                };
              }
              if (["size", "mtime", "remove", "downloadToFile"].includes(String(key))) {
                return (path: string, ...rest: unknown[]) =>
                  (value as (...a: unknown[]) => unknown).call(target, resolve(path), ...rest);
              }
              return value.bind(target);
            },
          }) as RemoteFs,
        ), signal),
  };
}

Deno.test("execute() renames locally", async (t) => {
  await t.step("A -> B: done, rows moved", async () => {
    await withFixture(async (f) => {
      f.writeLocal("Photo.JPG", "bytes");
      f.tree.putFile("/r/photo.jpg", "bytes");
      const rows = [moved("Photo.JPG", "photo.jpg", f, "Photo.JPG", "photo.jpg")];
      const [result] = await execute(
        planOf([renameLocal(f, "Photo.JPG", "photo.jpg", rows)]),
        f.deps(),
      );
      assert.ok(result?.ok, JSON.stringify(result));
      assert.equal(f.readLocal("photo.jpg"), "bytes");
      assert.equal(f.readLocal("Photo.JPG"), undefined);
      assert.deepEqual(result.updates, [
        { path: "Photo.JPG", row: null },
        { path: "photo.jpg", row: rows[0]!.row },
      ]);
    });
  });
  await t.step("a directory: one rename, every row under it moved", async () => {
    await withFixture(async (f) => {
      f.writeLocal("Photos/a.jpg", "a");
      f.tree.putFile("/r/photos/a.jpg", "a");
      const rows = [moved("Photos/a.jpg", "photos/a.jpg", f, "Photos/a.jpg", "photos/a.jpg")];
      const [result] = await execute(planOf([renameLocal(f, "Photos", "photos", rows)]), f.deps());
      assert.ok(result?.ok, JSON.stringify(result));
      assert.equal(f.readLocal("photos/a.jpg"), "a");
      assert.equal(result.updates.length, 2);
    });
  });
  await t.step(
    "the source changed since the listing: not renamed, left to the next pass",
    async () => {
      await withFixture(async (f) => {
        f.writeLocal("A.txt", "listed");
        const action = renameLocal(f, "A.txt", "a.txt", []);
        f.writeLocal("A.txt", "edited since", NOW.getTime());
        const [result] = await execute(planOf([action]), f.deps());
        assert.ok(result && !result.ok && result.deferred === true);
        assert.equal(f.readLocal("A.txt"), "edited since");
      });
    },
  );
  await t.step("another file at the destination: not renamed onto it", async () => {
    await withFixture(async (f) => {
      f.writeLocal("A.txt", "source");
      const action = renameLocal(f, "A.txt", "a.txt", []);
      f.writeLocal("a.txt", "appeared since the listing");
      const [result] = await execute(planOf([action]), f.deps());
      assert.ok(result && !result.ok && result.deferred === true);
      assert.equal(f.readLocal("A.txt"), "source");
      assert.equal(f.readLocal("a.txt"), "appeared since the listing");
    });
  });
});

Deno.test("execute() renames on the server", async (t) => {
  await t.step("A -> B: one RNFR/RNTO, nothing transferred, rows moved", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/Photo.JPG", "bytes");
      f.writeLocal("photo.jpg", "bytes");
      const rows = [moved("Photo.JPG", "photo.jpg", f, "photo.jpg", "Photo.JPG")];
      f.tree.resetCounts();
      const [result] = await execute(
        planOf([renameRemote(f, "Photo.JPG", "photo.jpg", rows)]),
        f.deps(),
      );
      assert.ok(result?.ok, JSON.stringify(result));
      assert.deepEqual(f.tree.paths(), ["/r/", "/r/photo.jpg"]);
      assert.equal(f.tree.counts.rename, 1);
      assert.equal(f.tree.counts.upload + f.tree.counts.download, 0);
      assert.equal(result.updates.length, 2);
    });
  });
  await t.step("a case-insensitive server: through a temporary name, renamed", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/Photo.JPG", "bytes");
      f.writeLocal("photo.jpg", "bytes");
      const [result] = await execute(
        planOf([renameRemote(f, "Photo.JPG", "photo.jpg", [])]),
        f.deps({ pool: caseInsensitive(f.pool, f.tree) }),
      );
      assert.ok(result?.ok, JSON.stringify(result));
      assert.deepEqual(f.tree.paths(), ["/r/", "/r/photo.jpg"]);
      assert.equal(f.tree.readText("/r/photo.jpg"), "bytes");
    });
  });
  await t.step("the source rewritten on the server since the listing: not renamed", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/A.txt", "v1", { mtimeMs: NOW.getTime() - 60_000 });
      f.writeLocal("a.txt", "v1");
      const action = renameRemote(f, "A.txt", "a.txt", []);
      f.tree.putFile("/r/A.txt", "v2", { mtimeMs: NOW.getTime() - 1000 });
      const [result] = await execute(planOf([action]), f.deps());
      assert.ok(result && !result.ok && result.deferred === true);
      assert.equal(f.tree.readText("/r/A.txt"), "v2");
    });
  });
  await t.step("another file at the destination: renamed back, nothing replaced", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/A.txt", "source");
      f.writeLocal("a.txt", "source");
      const action = renameRemote(f, "A.txt", "a.txt", []);
      f.tree.putFile("/r/a.txt", "appeared since the listing");
      const [result] = await execute(planOf([action]), f.deps());
      assert.ok(result && !result.ok && result.deferred === true, JSON.stringify(result));
      assert.equal(f.tree.readText("/r/A.txt"), "source");
      assert.equal(f.tree.readText("/r/a.txt"), "appeared since the listing");
      assert.deepEqual(f.tree.paths(), ["/r/", "/r/A.txt", "/r/a.txt"]);
    });
  });
  await t.step("a server that refuses renames: copied, then the source deleted", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/A.txt", "bytes");
      f.writeLocal("a.txt", "bytes");
      withoutCommands(f.tree, ["rename"]);
      const [result] = await execute(planOf([renameRemote(f, "A.txt", "a.txt", [])]), f.deps());
      assert.ok(result?.ok, JSON.stringify(result));
      assert.deepEqual(f.tree.paths(), ["/r/", "/r/a.txt"]);
    });
  });
  await t.step("refuses renames and ignores case: copied over itself, never deleted", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/A.txt", "bytes");
      f.writeLocal("a.txt", "bytes");
      withoutCommands(f.tree, ["rename"]);
      const [result] = await execute(
        planOf([renameRemote(f, "A.txt", "a.txt", [])]),
        f.deps({ pool: caseInsensitive(f.pool, f.tree) }),
      );
      // The copy finds the name taken (it is the source): nothing is deleted.
      assert.ok(result !== undefined);
      assert.equal(f.tree.readText("/r/A.txt"), "bytes");
    });
  });
});
