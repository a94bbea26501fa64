import { generateSecret, parseSecret } from '../secrets.js';

/** What the API-key routes are configured with (EXAMPLE-API.md, "More environment"). */
export interface ApiKeyConfig {
  /** `API_KEY_PEPPER`: the key of the stored keyed hashes; generated when unset. */
  readonly pepper: { readonly value: string; readonly generated: boolean };
}

/** `API_KEY_PEPPER` from the environment, validated (base64url of at least 32 bytes). */
export function parseApiKeyConfig(read: (name: string) => string | undefined): ApiKeyConfig {
  const pepper = read('API_KEY_PEPPER');
  return {
    pepper:
      pepper === undefined
        ? { value: generateSecret(), generated: true }
        : { value: parseSecret('API_KEY_PEPPER', pepper, 32), generated: false },
  };
}
