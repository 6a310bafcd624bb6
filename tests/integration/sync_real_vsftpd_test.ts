import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runSyncScenarios, runSyncTlsScenario } from "./sync_real_cases.ts";

Deno.test({
  name: "sync engine against vsftpd",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: (t) => runSyncScenarios(t, "vsftpd"),
});

Deno.test({
  name: "sync engine against vsftpd over TLS",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async (t) => {
    await runSyncTlsScenario(t, "vsftpd", "explicit");
    await runSyncTlsScenario(t, "vsftpd", "implicit");
  },
});
