/**
 * One server's time as the process knows it: the last record (read from the state directory on
 * first use), one measurement at a time however many sections ask, a new one once the last is
 * older than {@linkcode REMEASURE_MS} (a zone's offset changes twice a year with DST), and the
 * log: the result at info when first learned and again only when it changes; a server where
 * nothing can be measured, once at warning, naming ServerTime.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  assumedUtc,
  describeServerTime,
  type ServerTimeRecord,
  timeChanged,
} from "./server_time.ts";
import { readServerTime, saveServerTime } from "./server_store.ts";

/** A measurement is repeated once it is older than this (ms): 3 hours. */
export const REMEASURE_MS = 3 * 3_600_000;

/** What a probe came to. */
export type ProbeResult =
  | { ok: true; record: ServerTimeRecord }
  /** `readOnly`: the probe file could not be stored (a read-only account): assumed UTC. */
  | { ok: false; kind: "readOnly" | "unusable"; reason: string }
  /** `missing`: the directory does not exist; `failed`: the connection failed. Not stored. */
  | { ok: false; kind: "missing" | "failed"; reason: string };

/** The time state of one server (see the module doc). */
export class ServerTimeState {
  readonly #label: string;
  readonly #stateDir: () => string | undefined;
  readonly #now: () => number;
  readonly #persist: boolean;
  #record: ServerTimeRecord | undefined;
  #loaded = false;
  #measuring: Promise<ServerTimeRecord> | undefined;
  #warned = false;
  /** Whether this process logged the server's time already. */
  #logged = false;
  readonly #log = getLogger(["ftp-clone", "server"]);

  /** `persist: false`: the state directory is read, never written (a dry run). */
  constructor(
    label: string,
    options: { stateDir: () => string | undefined; now: () => number; persist?: boolean },
  ) {
    this.#label = label;
    this.#stateDir = options.stateDir;
    this.#now = options.now;
    this.#persist = options.persist ?? true;
  }

  /** The current record: measured, stored by an earlier run, or assumed UTC. */
  record(): ServerTimeRecord {
    if (!this.#loaded) {
      this.#loaded = true;
      const dir = this.#stateDir();
      if (dir !== undefined) this.#record ??= readServerTime(dir, this.#label);
    }
    return this.#record ?? assumedUtc(undefined, "not measured yet");
  }

  /** Whether a measurement is due (none yet, or the last one is older than REMEASURE_MS). */
  due(): boolean {
    const at = this.record().atMs;
    return at === undefined || this.#now() - at >= REMEASURE_MS;
  }

  /** Forget everything (another server answers at this address). */
  forget(): void {
    this.#record = undefined;
    this.#loaded = true;
  }

  /**
   * Measure with `probe` unless a measurement is already running (then its result is shared);
   * resolves with the record to use. Never rejects.
   */
  measure(probe: () => Promise<ProbeResult>): Promise<ServerTimeRecord> {
    this.#measuring ??= this.#measure(probe).finally(() => this.#measuring = undefined);
    return this.#measuring;
  }

  async #measure(probe: () => Promise<ProbeResult>): Promise<ServerTimeRecord> {
    const before = this.record();
    let result: ProbeResult;
    try {
      result = await probe();
    } catch (error) {
      result = { ok: false, kind: "failed", reason: (error as Error).message };
    }
    if (!result.ok && (result.kind === "missing" || result.kind === "failed")) {
      this.#log.debug("Cannot measure the time of server {server} now: {reason}", {
        server: this.#label,
        reason: result.reason,
      });
      return before;
    }
    const record = result.ok
      ? { ...result.record, atMs: this.#now() }
      : assumedUtc(this.#now(), result.reason);
    this.#record = record;
    const dir = this.#stateDir();
    if (dir !== undefined && this.#persist) {
      try {
        saveServerTime(dir, this.#label, record);
      } catch (error) {
        this.#log.warn("Cannot store the time of server {server} in {dir}: {error}", {
          server: this.#label,
          dir,
          error: (error as Error).message,
        });
      }
    }
    if (!result.ok) {
      if (!this.#warned) {
        this.#warned = true;
        this.#log.warn(
          "Cannot measure the time of server {server}: {reason}. Its times are read as UTC; " +
            "if it reports another zone, set ServerTime in its sections (e.g. ServerTime = " +
            "+05:30, or utc)",
          { server: this.#label, reason: result.reason },
        );
      }
      return record;
    }
    const cost = record.probe === undefined
      ? ""
      : ` (measured in ${record.probe.ms} ms, ${record.probe.roundTrips} round trips)`;
    const changed = before.source === "measured" && timeChanged(before, record);
    if (!this.#logged || changed) {
      this.#logged = true;
      this.#log.info(
        changed
          ? "The time of server {server} changed: {time}{cost}; it was: {before}"
          : "Server {server} time: {time}{cost}",
        {
          server: this.#label,
          time: describeServerTime(record),
          cost,
          before: describeServerTime(before),
        },
      );
    }
    return record;
  }
}
