import type { AppConfig, Provided } from './config.js';
import type { AdminBootstrap } from './users/bootstrap-admin.js';

/**
 * The start-up lines, "Listening on" last so a reader waiting for it (the demo, a test, a
 * person) has everything else by then. Only generated secrets are printed: one the operator
 * set is already known to them and must not end up in a terminal log.
 */
export function banner(
  config: AppConfig,
  url: string,
  admin: AdminBootstrap = 'created',
): string[] {
  const lines = [
    `Framework: ${config.framework}`,
    `Store: ${config.store}${storeDetail(config)}`,
    // An earlier run's admin keeps its own password; the one printed below would not work.
    `Admin: ${config.admin.email}${admin === 'existing' ? ' (existing account, its password unchanged)' : ''}`,
  ];
  const { encryptionKeys } = config.mfa;
  // Every secret that signs, seals or keys stored state: another instance on the same store,
  // or this one restarted, needs the same value to read what this run wrote (an MFA secret, a
  // kept response, an API key's hash, the audit chain).
  const generated: Array<[string, Provided<string>]> = [
    ['ADMIN_PASSWORD', config.admin.password],
    ['JWT_SECRET', config.jwt.secret],
    ['SIGNING_KEY_ID', config.signing.keyId],
    ['SIGNING_SECRET', config.signing.secret],
    [
      'ENCRYPTION_KEYS',
      {
        value: encryptionKeys.value.map(({ id, key }) => `${id}:${key}`).join(','),
        generated: encryptionKeys.generated,
      },
    ],
    ['API_KEY_PEPPER', config.apiKeys.pepper],
    ['AUDIT_HMAC_KEY', config.audit.hmacKey],
  ];
  const made = generated.filter(([, provided]) => provided.generated);
  if (made.length > 0) {
    lines.push(
      config.store === 'memory'
        ? 'Generated for this run (set them in the environment to keep them across restarts):'
        : // The store keeps state these key: a restart with others stops (secrets-check.ts).
          `Generated for this run: set them in the environment; a restart on this ${config.store} store needs the same ENCRYPTION_KEYS, API_KEY_PEPPER and AUDIT_HMAC_KEY (or --fresh):`,
    );
    for (const [name, provided] of made) lines.push(`  ${name}=${provided.value}`);
  }
  lines.push(`Listening on ${url}`);
  return lines;
}

function storeDetail(config: AppConfig): string {
  const fresh = config.fresh ? ', cleared with --fresh' : '';
  if (config.store === 'redis') {
    const cluster = config.redisCluster === undefined ? '' : 'on a Redis Cluster, ';
    return ` (${cluster}keys under ${config.redisKeyPrefix}${fresh})`;
  }
  if (config.store === 'postgres') return ` (schema ${config.databaseSchema}${fresh})`;
  return '';
}
