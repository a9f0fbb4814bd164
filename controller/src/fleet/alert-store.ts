/** Alert rules in JetStream KV `xtrace_alerts`. */
import type { NatsConnection } from 'nats';
import { ALERTS_BUCKET } from '@xtrace/proto';
import { alertRuleRecord, validateAlertRule, type AlertRule, type ParsedAlertRule } from './alert-rule.js';
import { openAlertsKv, type JetStreamPlacement } from './kv-buckets.js';
import { decodeNamedRecord, NamedRecordBucket, type RecordKind, type SkipHandler } from './named-record-bucket.js';

const ALERT_RULES: RecordKind<ParsedAlertRule> = { label: 'an alert rule', field: 'alert', validate: validateAlertRule };

export class AlertStore {
  private constructor(private readonly bucket: NamedRecordBucket<ParsedAlertRule>) {}

  static async open(nc: NatsConnection, placement: JetStreamPlacement = {}): Promise<AlertStore> {
    return new AlertStore(await NamedRecordBucket.open(nc, await openAlertsKv(nc, placement), ALERTS_BUCKET, ALERT_RULES));
  }

  async add(rule: Omit<AlertRule, 'createdAt' | 'op'> & { createdAt?: number; op?: '>' }): Promise<ParsedAlertRule> {
    const parsed = validateAlertRule({ op: '>', createdAt: Date.now(), ...rule });
    await this.bucket.create(parsed.name, alertRuleRecord(parsed));
    return parsed;
  }

  get(name: string): Promise<ParsedAlertRule | undefined> {
    return this.bucket.get(name);
  }

  /** every valid rule; a stored entry that is not one is skipped (told to `onSkip`) */
  list(onSkip?: SkipHandler): Promise<ParsedAlertRule[]> {
    return this.bucket.list(onSkip);
  }

  remove(name: string): Promise<boolean> {
    return this.bucket.remove(name);
  }

  /** Follow rule changes (initial values first); `onChange` gets the full current set. */
  async follow(onChange: (rules: ParsedAlertRule[]) => void, onError?: (e: unknown) => void): Promise<() => void> {
    const rules = new Map<string, ParsedAlertRule>();
    const it = await this.bucket.watch();
    void (async () => {
      try {
        for await (const e of it) {
          if (e.operation !== 'PUT') rules.delete(e.key);
          else {
            try {
              rules.set(e.key, decodeAlertRule(e.value, e.key));
            } catch (err: unknown) {
              rules.delete(e.key);
              onError?.(err);
            }
          }
          onChange([...rules.values()]);
        }
      } catch (e: unknown) {
        onError?.(e);
      }
    })();
    return () => it.stop();
  }
}

function decodeAlertRule(value: Uint8Array, key: string): ParsedAlertRule {
  return decodeNamedRecord(ALERT_RULES, value, key);
}
