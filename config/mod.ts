/**
 * Configuration: parametre.ini read and edited byte-exactly, the key schema, the password cipher.
 * @module
 */
export type * from "./types.ts";
