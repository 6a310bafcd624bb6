import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runSyncScenarios, runSyncTlsScenario } from "./sync_real_cases.ts";

Deno.test({
  name: "sync engine against pure-ftpd",
  ignore: ignoreUnlessServer("pure-ftpd"),
  fn: (t) => runSyncScenarios(t, "pure-ftpd"),
});

Deno.test({
  name: "sync engine against pure-ftpd over TLS",
  ignore: ignoreUnlessServer("pure-ftpd"),
  fn: async (t) => {
    await runSyncTlsScenario(t, "pure-ftpd", "explicit");
  },
});
