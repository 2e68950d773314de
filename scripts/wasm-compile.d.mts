/** Path of postgres-copy-rows.wat. */
export const WAT: string;
/** The module's bytes, validated. */
export function compileCopyRows(): Promise<Buffer>;
