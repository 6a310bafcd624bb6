/**
 * The scenarios that fail against the current engine, by scenario and variant, with the issue
 * item they belong to and why: the engine helpers' to-do list. A listed scenario is registered
 * with `ignore: true` so the suite stays green; delete its row when the engine is fixed (and see
 * it pass). `FTP_CLONE_WILD_ALL=1` runs the listed ones too, to see which of them pass now.
 * @module
 */
import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { Lab, type Variant } from "./wild_lab.ts";

/** Why a scenario fails on a variant today. */
export interface KnownFailure {
  /** `12.4` = issue 12, "What to build" item 4. */
  issue: string;
  reason: string;
}

/** `scenario id@variant` -> why it fails today. */
export const KNOWN_FAILURES: Readonly<Record<string, KnownFailure>> = {
  "12a@vsftpd-kolkata": {
    issue: "12.1",
    reason:
      "server reports local time (use_localtime / use_gmt_times=False): equal files differ by the zone offset and become conflicts",
  },
  "12a@vsftpd-new-york": {
    issue: "12.1",
    reason:
      "server reports local time (use_localtime / use_gmt_times=False): equal files differ by the zone offset and become conflicts",
  },
  "12a@pyftpdlib-mlsd-kolkata": {
    issue: "12.1",
    reason:
      "server reports local time (use_localtime / use_gmt_times=False): equal files differ by the zone offset and become conflicts",
  },
  "12c@vsftpd-kolkata": {
    issue: "12.1",
    reason: "downloaded file gets the server's local time read as UTC (off by the zone offset)",
  },
  "12c@vsftpd-new-york": {
    issue: "12.1",
    reason: "downloaded file gets the server's local time read as UTC (off by the zone offset)",
  },
  "12c@pyftpdlib-mlsd-kolkata": {
    issue: "12.1",
    reason: "downloaded file gets the server's local time read as UTC (off by the zone offset)",
  },
  "12a@proftpd-3h-behind": {
    issue: "12.1",
    reason:
      "server clock skew not measured: its times are read as ours, equal files become conflicts, downloads get skewed mtimes",
  },
  "12a@proftpd-list-7m-ahead": {
    issue: "12.1",
    reason:
      "server clock skew not measured: its times are read as ours, equal files become conflicts, downloads get skewed mtimes",
  },
  "12c@proftpd-3h-behind": {
    issue: "12.1",
    reason:
      "server clock skew not measured: its times are read as ours, equal files become conflicts, downloads get skewed mtimes",
  },
  "12c@proftpd-list-7m-ahead": {
    issue: "12.1",
    reason:
      "server clock skew not measured: its times are read as ours, equal files become conflicts, downloads get skewed mtimes",
  },
  "12b@vsftpd-kolkata": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@vsftpd-new-york": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@vsftpd-3h-behind": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@vsftpd-7m-ahead": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@proftpd-3h-behind": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@proftpd-list-7m-ahead": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@pyftpdlib-mlsd-kolkata": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@proftpd-digest": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@pyftpdlib-hash": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12b@client-tz-kolkata": {
    issue: "12.4",
    reason:
      "same size, different mtimes, no baseline: called a conflict without comparing contents (no HASH, no download compare)",
  },
  "12e-day@vsftpd-kolkata": {
    issue: "12.3",
    reason:
      "LIST shows a file older than six months to the day: a same-size rewrite that day is unseen and the local edit overwrites it",
  },
  "12e-day@vsftpd-new-york": {
    issue: "12.3",
    reason:
      "LIST shows a file older than six months to the day: a same-size rewrite that day is unseen and the local edit overwrites it",
  },
  "12e-day@vsftpd-3h-behind": {
    issue: "12.3",
    reason:
      "LIST shows a file older than six months to the day: a same-size rewrite that day is unseen and the local edit overwrites it",
  },
  "12e-day@vsftpd-7m-ahead": {
    issue: "12.3",
    reason:
      "LIST shows a file older than six months to the day: a same-size rewrite that day is unseen and the local edit overwrites it",
  },
  "12e-day@proftpd-list-7m-ahead": {
    issue: "12.3",
    reason:
      "LIST shows a file older than six months to the day: a same-size rewrite that day is unseen and the local edit overwrites it",
  },
  "12e-day@client-tz-kolkata": {
    issue: "12.3",
    reason:
      "LIST shows a file older than six months to the day: a same-size rewrite that day is unseen and the local edit overwrites it",
  },
  "12e-minute@vsftpd-3h-behind": {
    issue: "12.3",
    reason:
      "server clock 3 h behind: the rewrite's LIST minute looks old, no MDTM is asked, the local edit overwrites it",
  },
  "12f@vsftpd-new-york": {
    issue: "12.2",
    reason:
      "VerifyEvery not wired: a same-size rewrite backdated into the listed minute is never re-checked with MDTM",
  },
  "12f@vsftpd-3h-behind": {
    issue: "12.2",
    reason:
      "VerifyEvery not wired: a same-size rewrite backdated into the listed minute is never re-checked with MDTM",
  },
  "12f@vsftpd-7m-ahead": {
    issue: "12.2",
    reason:
      "VerifyEvery not wired: a same-size rewrite backdated into the listed minute is never re-checked with MDTM",
  },
  "12f@proftpd-list-7m-ahead": {
    issue: "12.2",
    reason:
      "VerifyEvery not wired: a same-size rewrite backdated into the listed minute is never re-checked with MDTM",
  },
  "12f@client-tz-kolkata": {
    issue: "12.2",
    reason:
      "VerifyEvery not wired: a same-size rewrite backdated into the listed minute is never re-checked with MDTM",
  },
  "13-roundtrip@pyftpdlib-dos-list": {
    issue: "13.2",
    reason: 'LIST -a <dir> is read as the path "-a <dir>": 550 on every pass',
  },
  "13-roundtrip@pyftpdlib-list-no-options": {
    issue: "13.2",
    reason: 'LIST -a <dir> is read as the path "-a <dir>": 550 on every pass',
  },
  "13-roundtrip@pyftpdlib-no-rename": {
    issue: "13.2",
    reason: "RNFR refused (550): every upload fails after a full transfer",
  },
  "13-roundtrip@inetutils-ftpd": {
    issue: "13.2",
    reason:
      'its LIST hands the path to /bin/ls split at spaces: LIST -a /d/sub dir lists "sub" and "dir" (errors in the data, 226), so a directory with a space looks empty',
  },
  "13.6-remote-dir@inetutils-ftpd": {
    issue: "13.6",
    reason: "Remote_dir `//abs/path` is not understood yet: looked up under the login directory",
  },
  "13.1-collision@exfat-local": {
    issue: "13.1",
    reason: "A.txt and a.txt map onto one local name: the second pass deletes a.txt on the server",
  },
  "13.1-case-rename@exfat-local": {
    issue: "13.1",
    reason: "a case-only rename on the server becomes a conflict copy instead of a rename",
  },
  "13.1-dir-to-file@vsftpd-debian": {
    issue: "13.1",
    reason: "a directory replaced by a file on the server only is kept as a local directory",
  },
  "13.3-growing@vsftpd-debian": {
    issue: "13.3",
    reason:
      'a file that keeps growing is uploaded and thrown away on every pass ("changed since it was listed")',
  },
  "13.4-local-names@vsftpd-debian": {
    issue: "13.4",
    reason: "local names that are not valid UTF-8 or hold a newline are skipped without a warning",
  },
  "13.4-remote-newline@vsftpd-debian": {
    issue: "13.4",
    reason:
      "a remote directory whose name holds a newline fails the whole section (LIST/MLSD of the truncated name)",
  },
  "13.4-remote-newline@pyftpdlib-limit-3": {
    issue: "13.4",
    reason:
      "a remote directory whose name holds a newline fails the whole section (LIST/MLSD of the truncated name)",
  },
  "13.5-budget@pyftpdlib-limit-3": {
    issue: "13.5",
    reason:
      "each section's pool has its own budget: 2 + 4 connections against a limit of 3 are refused repeatedly",
  },
};

/** One scenario: applies to some variants, runs against a started lab. */
export interface Scenario {
  /** Short id, the row of KNOWN_FAILURES: `12e-day`, `13.1-collision`. */
  id: string;
  name: string;
  applies?: (variant: Variant) => boolean;
  run: (lab: Lab) => Promise<void>;
}

/** The known failure of `scenario` on `variant`, if any. */
export function knownFailure(scenario: string, variant: string): KnownFailure | undefined {
  return KNOWN_FAILURES[`${scenario}@${variant}`];
}

/** Registers one test for `variant`: its server started once, a step per applicable scenario. */
export function registerVariant(variant: Variant, scenarios: readonly Scenario[]): void {
  Deno.test({
    name: `wild ${variant.name}`,
    ignore: ignoreUnlessServer(...variant.needs),
    fn: async (t) => {
      await using lab = await Lab.start(variant);
      for (const scenario of scenarios) {
        if (scenario.applies && !scenario.applies(variant)) continue;
        const known = knownFailure(scenario.id, variant.name);
        const runAll = Deno.env.get("FTP_CLONE_WILD_ALL") === "1";
        await t.step({
          name: `${scenario.id}: ${scenario.name}${
            known ? ` (known failure, issue ${known.issue})` : ""
          }`,
          ignore: known !== undefined && !runAll,
          fn: () => scenario.run(lab),
        });
      }
    },
  });
}
