import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runLayerMatrix } from "./ftp_layer_cases.ts";

Deno.test({
  name: "FTP layer against pure-ftpd, every mode",
  ignore: ignoreUnlessServer("pure-ftpd"),
  fn: (t) => runLayerMatrix(t, "pure-ftpd"),
});
