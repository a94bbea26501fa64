/** Request headers as `SecurityRequest` holds them: lower-case names, repeats kept as arrays. */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>;
