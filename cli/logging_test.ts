import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { configureLogging, resetLogging } from "./logging.ts";

/** Configures logging into a string, runs `fn`, resets, and returns what was written. */
function capture(
  options: { level: "error" | "warning" | "info" | "debug"; journal: boolean },
  fn: () => void,
): string {
  let written = "";
  configureLogging({ ...options, write: (text) => written += text });
  try {
    fn();
  } finally {
    resetLogging();
  }
  return written;
}

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

Deno.test("configureLogging() with JOURNAL_STREAM writes sd-daemon priority prefixes and no timestamp", async (t) => {
  const rows: { name: string; log: () => void; expected: string }[] = [
    {
      name: "error is <3>",
      log: () => getLogger(["ftp-clone", "FTP1"]).error("Upload failed"),
      expected: "<3>[FTP1] Upload failed\n",
    },
    {
      name: "warning is <4>",
      log: () => getLogger(["ftp-clone", "FTP2"]).warn("Conflict on a.txt"),
      expected: "<4>[FTP2] Conflict on a.txt\n",
    },
    {
      name: "info is <6>",
      log: () => getLogger(["ftp-clone", "FTP1", "pass"]).info("Pass done"),
      expected: "<6>[FTP1] Pass done\n",
    },
    {
      name: "debug is <7>",
      log: () => getLogger(["ftp-clone", "FTP1"]).debug("LIST /"),
      expected: "<7>[FTP1] LIST /\n",
    },
    {
      name: "a line about no section has no tag",
      log: () => getLogger(["ftp-clone", "service"]).info("Service started"),
      expected: "<6>Service started\n",
    },
    {
      name: "a section property names the section",
      log: () => getLogger(["ftp-clone", "sync"]).warn("Slow {section}", { section: "FTP3" }),
      expected: "<4>[FTP3] Slow FTP3\n",
    },
    {
      name: "every line of a multi-line message gets its own prefix",
      log: () => getLogger(["ftp-clone", "FTP1"]).error("first\nsecond"),
      expected: "<3>[FTP1] first\n<3>[FTP1] second\n",
    },
    {
      name: "interpolated values are rendered: strings raw, errors with their cause",
      log: () =>
        getLogger(["ftp-clone", "FTP1"]).error("Cannot upload {path}: {error} ({count})", {
          path: "a b.txt",
          error: new Error("STOR failed", { cause: new Error("550 denied") }),
          count: 3,
        }),
      expected: "<3>[FTP1] Cannot upload a b.txt: STOR failed: 550 denied (3)\n",
    },
  ];
  for (const row of rows) {
    await t.step(row.name, () => {
      assert.equal(capture({ level: "debug", journal: true }, row.log), row.expected);
    });
  }
});

Deno.test("configureLogging() without JOURNAL_STREAM writes an ISO timestamp and the level", () => {
  const text = capture({ level: "debug", journal: false }, () => {
    getLogger(["ftp-clone", "FTP1"]).warn("Conflict on a.txt");
    getLogger(["ftp-clone"]).info("Started");
  });
  const lines = text.split("\n");
  assert.equal(lines.length, 3, text);
  assert.match(lines[0]!, ISO_PREFIX);
  assert.equal(lines[0]!.replace(ISO_PREFIX, ""), "warning [FTP1] Conflict on a.txt");
  assert.equal(lines[1]!.replace(ISO_PREFIX, ""), "info Started");
  assert.equal(lines[2], "");
  assert.doesNotMatch(text, /^</m);
});

Deno.test("configureLogging() drops records below the level", async (t) => {
  const levels = ["error", "warning", "info", "debug"] as const;
  for (const level of levels) {
    await t.step(`level ${level}`, () => {
      const text = capture({ level, journal: true }, () => {
        const logger = getLogger(["ftp-clone", "FTP1"]);
        logger.debug("d");
        logger.info("i");
        logger.warn("w");
        logger.error("e");
      });
      const expected = ["<3>[FTP1] e\n", "<4>[FTP1] w\n", "<6>[FTP1] i\n", "<7>[FTP1] d\n"]
        .slice(0, levels.indexOf(level) + 1);
      assert.deepEqual(text.split(/(?<=\n)/).sort(), expected.sort());
    });
  }
});

Deno.test("resetLogging() silences every logger", () => {
  let written = "";
  configureLogging({ level: "debug", journal: true, write: (text) => written += text });
  resetLogging();
  getLogger(["ftp-clone", "FTP1"]).error("after reset");
  assert.equal(written, "");
});

Deno.test("configureLogging() ignores loggers outside the ftp-clone category", () => {
  const text = capture({ level: "debug", journal: true }, () => {
    getLogger(["basic-ftp"]).error("not ours");
  });
  assert.equal(text, "");
});
