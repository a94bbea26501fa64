import {
  createIpFilter,
  type IpFilter,
  ipRulesOf,
  RuntimeSecuritySettings,
  type SecurityEventHandler,
  type SecuritySettingsPatch,
  type SettingsStore,
} from '@rampart/core';

/**
 * The runtime security settings of `GET/PATCH /api/v1/admin/security/settings`, in the app's
 * store (memory, Redis or Postgres). Every request syncs them first (a version check, one round
 * trip), so a change made through any instance applies to the next request on every instance.
 * Built synchronously, as the services are; the first request's sync loads what is stored.
 */
export function createAppSettings(
  store: SettingsStore,
  initial: SecuritySettingsPatch,
  onEvent?: SecurityEventHandler,
): RuntimeSecuritySettings {
  return new RuntimeSecuritySettings({
    store,
    initial,
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}

/** The IP filter on the settings' lists (`enableIpBlacklist`, `enableIpWhitelist`). */
export function createAppIpFilter(
  settings: RuntimeSecuritySettings,
  onEvent?: SecurityEventHandler,
): IpFilter {
  return createIpFilter({
    rules: settings.getter(ipRulesOf),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}

/** Paths the IP filter never refuses (EXAMPLE-API.md: "every route but /health"). */
export const IP_FILTER_EXEMPT = ['/health'] as const;
