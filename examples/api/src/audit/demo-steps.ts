import { jsonRequest, saved } from '../demo/requests.js';
import type { Step, Tour } from '../demo/tour.js';

// The admin's token from the MFA steps: the admin's own login budget is spent by then.
const admin = (tour: Tour) => saved(tour, 'mfaAdmin.accessToken');

/**
 * Issue 19 (audit): the admin reads the trail every package's events fed (the demo account's
 * logins, its refused attempts and the login limit's 429s among them), the detector's report on
 * the demo account, the seed's metrics, and verifies the chain. The tour registers no account of
 * its own (REGISTER_LIMIT_PER_HOUR); the brute force that locks an account, the alert at a local
 * receiver, erasure and a tampered row caught by verify are in test/audit-routes.test.ts.
 */
export const auditSteps: readonly Step[] = [
  {
    name: "audit: the demo account's failed logins",
    request: (tour) =>
      jsonRequest(
        'GET',
        `/api/v1/admin/audit?type=LOGIN_FAILURE&userId=${saved(tour, 'user.id')}`,
        undefined,
        admin(tour),
      ),
    expect: { status: 200 },
  },
  {
    name: 'audit: the anomaly report on the demo account',
    request: (tour) =>
      jsonRequest(
        'GET',
        `/api/v1/admin/security/anomalies?userId=${saved(tour, 'user.id')}`,
        undefined,
        admin(tour),
      ),
    expect: { status: 200, json: { recommendedAction: 'NONE' } },
  },
  {
    name: 'audit: security metrics (last 24 h)',
    request: (tour) => jsonRequest('GET', '/api/v1/admin/security/metrics', undefined, admin(tour)),
    expect: { status: 200 },
  },
  {
    name: 'audit: a malformed query is a 400',
    request: (tour) => jsonRequest('GET', '/api/v1/admin/audit?limit=0', undefined, admin(tour)),
    expect: { status: 400, json: { code: 'ERR_AUDIT_QUERY_INVALID' } },
  },
  {
    name: 'audit: the chain verifies',
    request: (tour) => jsonRequest('GET', '/api/v1/admin/audit/verify', undefined, admin(tour)),
    expect: { status: 200, json: { valid: true } },
  },
];
