import type { ApiKeys } from '@rampart/api-keys';
import { KEY_ID_PATTERN } from '@rampart/api-keys';
import { type AuthContext, RampartError } from '@rampart/core';
import { type GetSigningSecrets, importSigningSecret } from '@rampart/request-signing';

/** Key ids whose owner this process has seen; an id's owner never changes. */
const MAX_REMEMBERED_OWNERS = 10_000;

/** The signed route's secrets: the one configured client's, and every API key's. */
export interface SigningSecrets {
  readonly getSecrets: GetSigningSecrets;
  /**
   * 403 when the request was signed with an API key's signing secret and that key belongs to
   * another user than the authenticated one (EXAMPLE-API.md, "Entities").
   */
  assertSignerIsCaller(keyId: string, auth: AuthContext): void;
}

/**
 * `getSecrets` for `createRequestVerifier`: `SIGNING_KEY_ID` answers `SIGNING_SECRET`; an API
 * key's id answers its signing secret, and during a rotation's grace the previous one too.
 */
export function createSigningSecrets(
  apiKeys: ApiKeys,
  staticKeyId: string,
  staticSecret: string,
): SigningSecrets {
  const configured = importSigningSecret(staticSecret, 'SIGNING_SECRET');
  const owners = new Map<string, string>();
  return Object.freeze({
    async getSecrets(keyId: string) {
      if (keyId === staticKeyId) return configured.keyObject;
      if (!KEY_ID_PATTERN.test(keyId)) return undefined;
      const found = await apiKeys.signingSecrets(keyId);
      if (found === undefined) return undefined;
      if (owners.size >= MAX_REMEMBERED_OWNERS) owners.clear();
      owners.set(keyId, found.ownerId);
      return found.secrets;
    },
    assertSignerIsCaller(keyId: string, auth: AuthContext) {
      if (keyId === staticKeyId || owners.get(keyId) === auth.userId) return;
      // An API key's id whose owner is not the caller (or no longer known here): refused.
      throw new RampartError({
        status: 403,
        code: 'ERR_SIGNING_KEY_FORBIDDEN',
        title: 'Forbidden',
        detail:
          "The request is signed with another user's API key. Sign with one of your own keys.",
      });
    },
  });
}
