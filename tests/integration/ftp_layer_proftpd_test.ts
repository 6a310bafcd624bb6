import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { runLayerMatrix } from "./ftp_layer_cases.ts";

Deno.test({
  name: "FTP layer against proftpd, every mode",
  ignore: ignoreUnlessServer("proftpd"),
  fn: (t) => runLayerMatrix(t, "proftpd"),
});
