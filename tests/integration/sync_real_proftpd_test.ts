import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runSyncScenarios, runSyncTlsScenario } from "./sync_real_cases.ts";

Deno.test({
  name: "sync engine against proftpd",
  ignore: ignoreUnlessServer("proftpd"),
  fn: (t) => runSyncScenarios(t, "proftpd"),
});

Deno.test({
  name: "sync engine against proftpd over TLS",
  ignore: ignoreUnlessServer("proftpd"),
  fn: async (t) => {
    await runSyncTlsScenario(t, "proftpd", "explicit");
    await runSyncTlsScenario(t, "proftpd", "implicit");
  },
});
