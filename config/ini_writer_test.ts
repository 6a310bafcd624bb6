import assert from "node:assert/strict";
import { setIniValues } from "./ini_writer.ts";
import { IniEditError, UnknownSectionError } from "./ini_document.ts";

const ORIGINAL = new URL("../tests/fixtures/ini/original.ini", import.meta.url);

async function withTempConfig(
  fn: (path: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/parametre.ini`;
    await Deno.copyFile(ORIGINAL, path);
    await fn(path, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("setIniValues() changes only the one value and keeps the mode", async () => {
  await withTempConfig(async (path, dir) => {
    await Deno.chmod(path, 0o640);
    const before = await Deno.readTextFile(path);
    await setIniValues(path, "ftp1", { password: "v1:AAAA:BBBB" });
    const after = await Deno.readTextFile(path);
    assert.equal(
      after,
      before.replace(
        "User = user1\r\nPassword =\r\n",
        "User = user1\r\nPassword = v1:AAAA:BBBB\r\n",
      ),
    );
    assert.equal((await Deno.stat(path)).mode! & 0o7777, 0o640);
    assert.deepEqual(names(dir), ["parametre.ini"]);
  });
});

Deno.test("setIniValues() inserts a missing key after the section's last key line", async () => {
  await withTempConfig(async (path) => {
    const before = await Deno.readTextFile(path);
    await setIniValues(path, "FTP1", { Identifier: "a".repeat(40), TlsVerify: "no" });
    const after = await Deno.readTextFile(path);
    const id = "a".repeat(40);
    // Identifier is FTP1's last key line: TlsVerify goes right after it, before the blank line.
    assert.equal(
      after,
      before.replace("Identifier =\r\n\r\n", `Identifier = ${id}\r\nTlsVerify = no\r\n\r\n`),
    );
  });
});

Deno.test("setIniValues() keeps the owner", {
  ignore: Deno.uid() !== 0, // only root can give a file to another user
}, async () => {
  await withTempConfig(async (path) => {
    await Deno.chown(path, 4321, 4322);
    await setIniValues(path, "FTP2", { Password: "v1:x:y" });
    const info = await Deno.stat(path);
    assert.equal(info.uid, 4321);
    assert.equal(info.gid, 4322);
  });
});

Deno.test("setIniValues() refuses an unknown section and writes nothing", async () => {
  await withTempConfig(async (path, dir) => {
    const before = await Deno.stat(path);
    await assert.rejects(
      setIniValues(path, "FTP3", { Password: "v1:x:y" }),
      (e) =>
        e instanceof UnknownSectionError && e.section === "FTP3" &&
        e.message === `Cannot find section "[FTP3]" in "${path}"`,
    );
    const after = await Deno.stat(path);
    assert.equal(after.ino, before.ino);
    assert.deepEqual(await Deno.readFile(path), await Deno.readFile(ORIGINAL));
    assert.deepEqual(names(dir), ["parametre.ini"]);
  });
});

Deno.test("setIniValues() refuses a value that would not read back", async () => {
  await withTempConfig(async (path) => {
    await assert.rejects(
      setIniValues(path, "FTP1", { Password: "a ;b" }),
      (e) =>
        e instanceof IniEditError &&
        e.message ===
          `Cannot set "Password": the value would not read back as written (leading or trailing spaces, or " ;") (file "${path}")`,
    );
    assert.deepEqual(await Deno.readFile(path), await Deno.readFile(ORIGINAL));
  });
});

Deno.test("setIniValues() does not rewrite a file whose values are already set", async () => {
  await withTempConfig(async (path) => {
    await setIniValues(path, "FTP1", { Server: "ftp.example.com" });
    const before = await Deno.stat(path);
    await setIniValues(path, "FTP1", { Server: "ftp.example.com" });
    assert.equal((await Deno.stat(path)).ino, before.ino);
  });
});

Deno.test("setIniValues() rewrites the target of a symbolic link", async () => {
  await withTempConfig(async (path, dir) => {
    await Deno.symlink(path, `${dir}/link.ini`);
    await setIniValues(`${dir}/link.ini`, "FTP2", { Password: "v1:x:y" });
    assert.ok((await Deno.lstat(`${dir}/link.ini`)).isSymlink);
    assert.match(await Deno.readTextFile(path), /\r\nPassword = v1:x:y\r\n/);
  });
});

Deno.test("setIniValues() serialises concurrent writers, in and across processes", async () => {
  await withTempConfig(async (path, dir) => {
    // Another process writes K0..K9 while this one writes L0, L1, ...: a lost update drops keys.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { setIniValues } from ${
          JSON.stringify(new URL("./ini_writer.ts", import.meta.url).href)
        };
         for (let i = 0; i < 10; i++) await setIniValues(${
          JSON.stringify(path)
        }, "FTP2", { ["K" + i]: String(i) });`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const done = child.output();
    let finished = false;
    done.finally(() => finished = true);
    // Four lanes keep writing L<n> until the child is done, so the two processes overlap.
    let next = 0;
    async function lane(): Promise<void> {
      while ((!finished || next < 20) && next < 400) {
        const i = next++;
        await setIniValues(path, "FTP2", { [`L${i}`]: String(i) });
      }
    }
    await Promise.all([lane(), lane(), lane(), lane()]);
    const status = await done;
    assert.equal(new TextDecoder().decode(status.stderr), "");
    assert.equal(status.code, 0);
    const text = await Deno.readTextFile(path);
    for (let i = 0; i < 10; i++) assert.match(text, new RegExp(`\r\nK${i} = ${i}\r\n`));
    for (let i = 0; i < next; i++) assert.match(text, new RegExp(`\r\nL${i} = ${i}\r\n`));
    // Everything before [FTP2]'s last original line is untouched.
    const original = await Deno.readTextFile(ORIGINAL);
    assert.ok(text.startsWith(original));
    assert.deepEqual(names(dir), ["parametre.ini"]);
  });
});
