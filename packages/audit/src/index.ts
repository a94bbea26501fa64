/**
 * `@rampart/audit`: a tamper-evident trail of Rampart's security events (an HMAC chain with
 * signed checkpoints and a streaming `verify()`), crypto-shredding erasure, a bounded queue that
 * folds floods into counts, signed alert webhooks, and the seed's anomaly detection and automated
 * response. The memory store is here; Postgres is `@rampart/audit/postgres`.
 */
export {
  type Alert,
  type Alerter,
  type AlerterOptions,
  type AlerterStats,
  type AlertRule,
  type AlertSink,
  createAlerter,
  DEFAULT_ALERT_RULES,
} from './alerts/alert.js';
export {
  type AlertWebhookPayload,
  callbackAlertSink,
  type WebhookAlertSinkOptions,
  webhookAlertSink,
} from './alerts/webhook.js';
export type { ChainHead, Checkpoint } from './chain.js';
export { GENESIS_HASH } from './chain.js';
export { AuditChainConflictError, AuditQueryError } from './errors.js';
export { escapeControlCharacters, toJsonLine } from './escape.js';
export { METRIC_TYPES, type SecurityMetrics } from './metrics.js';
export { type AuditMirror, createJsonLinesSink, type JsonLinesSinkOptions } from './mirror.js';
export type { AuditTrailOptions } from './options.js';
export { type AuditQuery, parseAuditQuery } from './query.js';
export type { EventQueueStats } from './queue.js';
export {
  type AuditActor,
  type AuditAggregate,
  type AuditEventInput,
  type AuditOutcome,
  type AuditRecord,
  type AuditRequestContext,
  CRITICAL_EVENT_TYPES,
  outcomeOf,
} from './record.js';
export {
  type Anomaly,
  type AnomalyDetector,
  type AnomalyDetectorOptions,
  type AnomalyReport,
  type AnomalySeverity,
  type AnomalyThresholds,
  type AnomalyType,
  createAnomalyDetector,
  DEFAULT_ANOMALY_THRESHOLDS,
  type RecommendedAction,
} from './response/anomaly.js';
export {
  type ContainmentResult,
  type ContainmentStep,
  createIncidentResponse,
  type IncidentResponse,
  type IncidentResponseOptions,
} from './response/containment.js';
export { FIELD_LIMITS, REDACTED } from './sanitize.js';
export type {
  AuditCount,
  AuditRow,
  AuditStore,
  AuditStoreQuery,
  ChainLinkRow,
  StoredAuditRow,
  UserKeyEntry,
} from './store.js';
export { MemoryAuditStore, type MemoryAuditStoreOptions } from './stores/memory.js';
export {
  type AuditPage,
  type AuditTrail,
  type AuditTrailStats,
  createAuditTrail,
} from './trail.js';
export type { VerifyFailure, VerifyResult } from './verify.js';
