/**
 * The message to show for a thrown value: one line, no stack, without the noise that Deno and
 * node:fs add to system errors (`(os error 2): readfile '/x'`, `EACCES: ..., access '/x'`), since
 * every message of ours already names the file.
 * @module
 */

/** A one-line message for any thrown value. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
    return lowerFirst(message.replace(/ \(os error \d+\).*$/s, ""));
  }
  if (typeof code === "string" && /^E[A-Z]+$/.test(code) && message.startsWith(`${code}: `)) {
    // node:fs: "EACCES: permission denied, access '/x'" -> "permission denied"
    return message.slice(code.length + 2).replace(/, \w+ '.*'$/s, "");
  }
  return message.replace(/\s*\n\s*/g, " ");
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
