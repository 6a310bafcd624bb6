/**
 * Configuration: parametre.ini read and edited byte-exactly, the key schema, the password cipher.
 * @module
 */
export type * from "./types.ts";
export * from "./ini_document.ts";
export * from "./schema.ts";
export type { ParseResult, ValueParser } from "./value_parsers.ts";
export * from "./load_config.ts";
export * from "./password_cipher.ts";
export * from "./ini_writer.ts";
