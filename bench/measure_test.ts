import assert from "node:assert/strict";
import { combine, type Measurement, parseTimeFile } from "./measure.ts";

Deno.test("parseTimeFile reads the last line of a GNU time -o file", async (t) => {
  const rows = [
    {
      text: "1.52 0.80 0.21 51234 0\n",
      want: { userS: 0.8, sysS: 0.21, maxRssKiB: 51234, exitCode: 0 },
    },
    {
      text: "Command exited with non-zero status 3\n0.10 0.01 0.00 4000 3\n",
      want: { userS: 0.01, sysS: 0, maxRssKiB: 4000, exitCode: 3 },
    },
    { text: "", want: undefined },
    { text: "garbage here\n", want: undefined },
  ];
  for (const row of rows) {
    await t.step(
      JSON.stringify(row.text),
      () => assert.deepEqual(parseTimeFile(row.text), row.want),
    );
  }
});

Deno.test("combine adds seconds and CPU, keeps the largest RSS and the first failure", () => {
  const m = (s: number, code: number, rss: number): Measurement => ({
    seconds: s,
    cpuSeconds: s / 2,
    peakRssKiB: rss,
    exitCode: code,
    timedOut: false,
    tail: `t${s}`,
  });
  assert.deepEqual(combine([m(1, 0, 10), m(2, 5, 30), m(4, 0, 20)]), {
    seconds: 7,
    cpuSeconds: 3.5,
    peakRssKiB: 30,
    exitCode: 5,
    timedOut: false,
    tail: "t2",
  });
});
