import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runLayerMatrix } from "./ftp_layer_cases.ts";

Deno.test({
  name: "FTP layer against vsftpd, every mode",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: (t) => runLayerMatrix(t, "vsftpd"),
});
