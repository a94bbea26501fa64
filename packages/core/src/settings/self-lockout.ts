import { RampartError } from '../errors/rampart-error.js';
import { createIpFilter } from '../ip/ip-filter.js';
import { ipRulesOf, type SecuritySettings } from './security-settings.js';

/**
 * 409 for a settings change that would make the IP filter refuse the very address asking for it:
 * applied, it would lock the caller (often the whole admin plane, on every instance) out.
 */
export function settingsSelfLockoutError(list: 'ipBlacklist' | 'ipWhitelist'): RampartError {
  const detail =
    list === 'ipBlacklist'
      ? 'The settings were not changed: security.ipBlacklist would block your own network address.'
      : 'The settings were not changed: security.ipWhitelist (with enableIpWhitelist on) would not include your own network address.';
  return new RampartError({
    status: 409,
    code: 'ERR_SETTINGS_SELF_LOCKOUT',
    title: 'Conflict',
    detail,
    extensions: { fields: [`security.${list}`] },
  });
}

function refusalOf(settings: SecuritySettings, ip: string) {
  return createIpFilter({ rules: ipRulesOf(settings) }).refusal(ip);
}

/**
 * Throws {@link settingsSelfLockoutError} when `next` refuses `ip` and `previous` did not. A caller
 * the settings already refused (an update made from an exempt path, or by a script naming the
 * address) may still change anything else.
 */
export function assertNoSelfLockout(
  previous: SecuritySettings,
  next: SecuritySettings,
  ip: string,
): void {
  const refusal = refusalOf(next, ip);
  if (refusal === undefined || refusalOf(previous, ip) !== undefined) return;
  throw settingsSelfLockoutError(refusal === 'blocked' ? 'ipBlacklist' : 'ipWhitelist');
}
