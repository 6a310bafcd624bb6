/**
 * Deployment: the systemd unit renderer and the systemctl driver.
 * @module
 */
export {
  CONFIG_ERROR_STATUS,
  DENO_RUN_FLAGS,
  execReloadLine,
  execStartArgs,
  quoteExecArg,
  renderUnit,
  UNIT_NAME,
  type UnitExec,
  type UnitOptions,
  V8_FLAGS,
  WATCHDOG_SEC,
  writablePaths,
} from "./systemd_unit.ts";
export {
  commandSystemctl,
  type CommandSystemctlOptions,
  type Systemctl,
  type SystemctlResult,
} from "./systemctl.ts";
