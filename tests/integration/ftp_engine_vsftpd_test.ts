import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runEngineMatrix } from "./ftp_engine_cases.ts";

Deno.test({
  name: "FTP engine against vsftpd, every mode",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: (t) => runEngineMatrix(t, "vsftpd"),
});
