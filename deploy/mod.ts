/**
 * Deployment: the systemd unit renderer and the systemctl driver.
 * @module
 */
export {
  DENO_RUN_FLAGS,
  execStartArgs,
  quoteExecArg,
  renderUnit,
  UNIT_NAME,
  type UnitExec,
  type UnitOptions,
  V8_FLAGS,
  writablePaths,
} from "./systemd_unit.ts";
export {
  commandSystemctl,
  type CommandSystemctlOptions,
  type Systemctl,
  type SystemctlResult,
} from "./systemctl.ts";
