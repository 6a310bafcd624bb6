/**
 * Section names given on the command line, matched against the configuration (case-insensitively,
 * as the ini's own names are).
 * @module
 */
import type { Config, SectionConfig } from "../config/mod.ts";
import type { Output } from "./output.ts";

/** `[FTP1], [FTP2]`, or `none` for an empty list. */
export function sectionList(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.map((name) => `[${name}]`).join(", ");
}

/**
 * The sections named in `names`, in configuration order (all of them when `names` is empty), or
 * undefined after printing an error for each unknown name (a usage error, exit 2).
 */
export function selectSections(
  config: Config,
  names: readonly string[],
  options: { output: Output },
): SectionConfig[] | undefined {
  const output = options.output;
  if (names.length === 0) return config.sections;
  const wanted = new Set<string>();
  let unknown = false;
  for (const name of names) {
    const bare = name.replace(/^\[(.*)\]$/, "$1");
    const section = config.sections.find((s) => s.name.toLowerCase() === bare.toLowerCase());
    if (section === undefined) {
      output.error(
        `Unknown section "${bare}" in "${config.path}"; the sections are ` +
          sectionList(config.sections.map((s) => s.name)),
      );
      unknown = true;
    } else {
      wanted.add(section.name);
    }
  }
  return unknown ? undefined : config.sections.filter((s) => wanted.has(s.name));
}
