import { randomUUID } from 'node:crypto';
import { CONFIG_ERROR_CODES, configCode, parseOptions } from '@rampart/core';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { Alert, AlertSink } from './alert.js';

/** Options of {@link webhookAlertSink}. */
export interface WebhookAlertSinkOptions {
  /** The receiver, `https://` (or `http://` for a local receiver). */
  url: string;
  /** The Standard Webhooks secret, `whsec_<base64>` of 24 to 64 random bytes. */
  secret: string;
  /** One attempt's limit, ms. Default 5 000. */
  timeoutMs?: number | undefined;
  /** Attempts after the first. Default 5. */
  retries?: number | undefined;
  /** First retry delay, ms, doubled each time (with jitter). Default 1 000. */
  retryDelayMs?: number | undefined;
  /** Default the global `fetch`. */
  fetch?: typeof fetch | undefined;
}

const SECRET = /^whsec_([A-Za-z0-9+/]{32,88}={0,2})$/;

const optionsSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  secret: z.string().refine(
    (secret) => {
      const match = SECRET.exec(secret);
      if (match === null) return false;
      const bytes = Buffer.from(match[1] as string, 'base64');
      return bytes.length >= 24 && bytes.length <= 64;
    },
    {
      message: 'must be whsec_ followed by the base64 of 24 to 64 random bytes',
      ...configCode(CONFIG_ERROR_CODES.invalidValue),
    },
  ),
  timeoutMs: z.number().int().min(1).max(60_000).default(5000),
  retries: z.number().int().min(0).max(20).default(5),
  retryDelayMs: z.number().int().min(1).max(600_000).default(1000),
  fetch: z
    .custom<typeof fetch>((value) => typeof value === 'function', 'must be a function')
    .optional(),
});

/** What a webhook alert's body holds: the Standard Webhooks `{type, timestamp, data}` envelope. */
export interface AlertWebhookPayload {
  type: 'rampart.security_alert';
  /** ISO 8601, when the alert was raised. */
  timestamp: string;
  data: Alert;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Sends alerts as JSON POSTs signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256>`, made with the `standardwebhooks` package), so any
 * receiver verifies them with that package's `Webhook#verify`. An attempt is bounded by
 * `timeoutMs`; a failure or a non-2xx answer is retried with exponential backoff, keeping the
 * same `webhook-id` so the receiver can drop repeats. It never runs on a request's path.
 *
 * @example
 * webhookAlertSink({ url: process.env.ALERT_WEBHOOK_URL!, secret: process.env.ALERT_WEBHOOK_SECRET! });
 */
export function webhookAlertSink(options: WebhookAlertSinkOptions): AlertSink {
  const config = parseOptions('webhookAlertSink', optionsSchema, options);
  const signer = new Webhook(config.secret);
  const send = config.fetch ?? fetch;
  return {
    name: 'webhook',
    async deliver(alert: Alert): Promise<void> {
      const messageId = `msg_${randomUUID()}`;
      const payload: AlertWebhookPayload = {
        type: 'rampart.security_alert',
        timestamp: new Date(alert.lastAt).toISOString(),
        data: alert,
      };
      const body = JSON.stringify(payload);
      let lastError: unknown;
      for (let attempt = 0; attempt <= config.retries; attempt++) {
        if (attempt > 0) {
          const base = config.retryDelayMs * 2 ** (attempt - 1);
          await delay(base / 2 + Math.random() * (base / 2));
        }
        const now = new Date();
        try {
          const response = await send(config.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'webhook-id': messageId,
              'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
              'webhook-signature': signer.sign(messageId, now, body),
            },
            body,
            signal: AbortSignal.timeout(config.timeoutMs),
          });
          await response.body?.cancel();
          if (response.ok) return;
          lastError = new Error(`the receiver answered ${response.status}`);
        } catch (error) {
          lastError = error;
        }
      }
      throw new Error(`alert ${alert.id} was not delivered after ${config.retries + 1} attempts`, {
        cause: lastError,
      });
    },
  };
}

/** Calls a function with each alert (a pager, a chat message, a test). */
export function callbackAlertSink(callback: (alert: Alert) => void | Promise<void>): AlertSink {
  return {
    name: 'callback',
    async deliver(alert) {
      await callback(alert);
    },
  };
}
