import { CONFIG_ERROR_CODES, configCode } from '@rampart/core';
import { z } from 'zod';
import { isExactOrigin } from './origin.js';

/**
 * A Permissions-Policy: each feature and who may use it. `[]` turns the feature off, `['self']`
 * allows the page's own origin, `['*']` any, exact origins those origins.
 */
export type PermissionsPolicy = Readonly<Record<string, readonly string[]>>;

const FEATURE_NAME = /^[a-z][a-z0-9-]*$/;

const allowlistEntry = z
  .string()
  .refine((value) => value === 'self' || value === 'src' || value === '*' || isExactOrigin(value), {
    message: "must be 'self', 'src', '*' or an exact origin such as \"https://maps.example.com\".",
    ...configCode(CONFIG_ERROR_CODES.invalidValue),
  });

/** The schema of a {@link PermissionsPolicy} option. */
export const permissionsPolicySchema = z
  .record(z.string(), z.array(allowlistEntry).readonly())
  .superRefine((policy, ctx) => {
    for (const feature of Object.keys(policy)) {
      if (!FEATURE_NAME.test(feature)) {
        ctx.addIssue({
          code: 'custom',
          path: [feature],
          message: 'is not a feature name such as "camera" or "display-capture".',
          ...configCode(CONFIG_ERROR_CODES.invalidValue),
        });
      }
    }
  });

/**
 * The header value, a Structured Fields dictionary (RFC 8941) as the Permissions Policy spec
 * defines it: `camera=(), geolocation=(self "https://maps.example.com"), fullscreen=*`.
 */
export function serializePermissionsPolicy(policy: PermissionsPolicy): string {
  return Object.entries(policy)
    .map(([feature, allowlist]) => {
      if (allowlist.includes('*')) return `${feature}=*`;
      const members = allowlist.map((entry) =>
        entry === 'self' || entry === 'src' ? entry : `"${entry}"`,
      );
      return `${feature}=(${members.join(' ')})`;
    })
    .join(', ');
}
