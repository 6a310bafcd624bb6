import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runEngineMatrix } from "./ftp_engine_cases.ts";

Deno.test({
  name: "FTP engine against pure-ftpd, every mode",
  ignore: ignoreUnlessServer("pure-ftpd"),
  fn: (t) => runEngineMatrix(t, "pure-ftpd"),
});
