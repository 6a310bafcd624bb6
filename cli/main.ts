/** Placeholder until the CLI lands: every command is a usage error. */
export function main(_args: string[]): Promise<number> {
  return Promise.resolve(2);
}
