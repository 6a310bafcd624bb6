import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runEngineMatrix } from "./ftp_engine_cases.ts";

Deno.test({
  name: "FTP engine against proftpd, every mode",
  ignore: ignoreUnlessServer("proftpd"),
  fn: (t) => runEngineMatrix(t, "proftpd"),
});
