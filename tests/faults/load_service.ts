/**
 * The load test's service: `ftp-clone service` as a child process, its output lines collected
 * and its RSS (/proc/<pid>/status VmRSS) sampled every second.
 * @module
 */
import assert from "node:assert/strict";
import { cliEnv, MOD_TS, REPO_ROOT } from "../support/cli.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `ftp-clone service` as a child, its output lines collected and its RSS sampled each second. */
export class Service implements AsyncDisposable {
  readonly lines: string[] = [];
  /** [seconds since start, RSS bytes]. */
  readonly rss: Array<[number, number]> = [];
  readonly status: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #reading: Promise<void>;
  readonly #sampler: ReturnType<typeof setInterval>;

  constructor(ini: string) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MOD_TS, "--config", ini, "service"],
      cwd: REPO_ROOT,
      clearEnv: true,
      env: cliEnv(),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.status = this.#child.status;
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        this.lines.push(...parts);
      }
      if (rest !== "") this.lines.push(rest);
    };
    this.#reading = Promise.all([collect(this.#child.stdout), collect(this.#child.stderr)])
      .then(() => {});
    const started = performance.now();
    const pid = this.#child.pid;
    this.#sampler = setInterval(() => {
      try {
        const kb = /^VmRSS:\s+(\d+) kB$/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
        if (kb) this.rss.push([(performance.now() - started) / 1000, Number(kb[1]) * 1024]);
      } catch {
        // The process has exited.
      }
    }, 1000);
  }

  /** How many output lines match `re`. */
  count(re: RegExp): number {
    return this.lines.filter((line) => re.test(line)).length;
  }

  /** Sends a signal to the service. */
  kill(signal: Deno.Signal): void {
    this.#child.kill(signal);
  }

  /** Waits until `predicate` holds, or fails with the log so far. */
  async until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
    const started = Date.now();
    while (!predicate()) {
      if (Date.now() - started > timeoutMs) {
        assert.fail(`Timed out waiting for ${what}; the service said:\n${this.lines.join("\n")}`);
      }
      await sleep(100);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#sampler);
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await this.status;
    await this.#reading;
  }
}
