/**
 * The sync engine: listings, diff, plan, safety, execution, baseline, trash, locks, passes.
 * @module
 */
export type * from "./types.ts";
export { type PassOptions, type PassOutcome, runPass, sectionRoots } from "./pass.ts";
export {
  exitCodeFor,
  type SectionOutcome,
  syncSections,
  type SyncSectionsOptions,
} from "./run_sections.ts";
export {
  type PassFailure,
  type PassTotals,
  readReport,
  reportPath,
  saveReport,
  type StoredReport,
} from "./report_store.ts";
export { renderMetrics, updateMetricsFile, writeMetricsFile } from "./metrics_file.ts";
export { type GatedRecord, RepeatGate } from "./repeat_gate.ts";
export { auditLine } from "./audit_log.ts";
export { type ExecuteProgress } from "./execute.ts";
export { planLine, resultLine } from "./action_text.ts";
export { renameCounts } from "./pass_report.ts";
export { baselinePath, type BaselineRoots, readBaseline } from "./baseline_reader.ts";
export { SqliteBaselineStore } from "./baseline_store.ts";
export {
  copyPreserving,
  isCrossDevice,
  legacyTrashDir,
  listTrash,
  purgeTrash,
  trashDir,
  trashFile,
  type TrashRecord,
} from "./trash.ts";
export { sectionLockPath, tryLockSection } from "./section_lock.ts";
export { listLocal } from "./local_lister.ts";
export { listRemote, RemoteDirLister } from "./remote_lister.ts";
export { connectRemoteFs } from "./ftp/mod.ts";
export {
  ConnectionBudget,
  ConnectionBudgets,
  type ConnectOptions,
  describeStoredServerTime,
  FtpPool,
  type RemoteFsPool,
  ServerProfiles,
} from "./ftp/mod.ts";
export { createNotifier, type Notifier } from "./sd_notify.ts";
export {
  processSignals,
  type ReloadAnswer,
  runService,
  type ServiceConfigLoad,
  type ServiceDeps,
  type ServiceSignals,
} from "./service.ts";
export { type PassMarks, SectionWorker, type SectionWorkerOptions } from "./section_worker.ts";
export { localWrites, watchLocalDir } from "./watcher.ts";
export { Semaphore } from "./semaphore.ts";
export { moveToTrash, type TrashReason } from "./trash.ts";
export { pathExists } from "./local_fs.ts";
