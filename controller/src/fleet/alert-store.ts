/** Alert rules in JetStream KV `xtrace_alerts`. */
import type { KV, NatsConnection } from 'nats';
import { UsageError, XtraceError } from '@xtrace/proto';
import { alertRuleRecord, validateAlertRule, type AlertRule, type ParsedAlertRule } from './alert-rule.js';
import { decodeJson, encodeJson, isCasConflict, openAlertsKv } from './kv-buckets.js';
import { validateName } from './schedule.js';

export class AlertStore {
  private constructor(readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<AlertStore> {
    return new AlertStore(await openAlertsKv(nc));
  }

  async add(rule: Omit<AlertRule, 'createdAt' | 'op'> & { createdAt?: number; op?: '>' }): Promise<ParsedAlertRule> {
    const parsed = validateAlertRule({ op: '>', createdAt: Date.now(), ...rule });
    try {
      await this.kv.create(parsed.name, encodeJson(alertRuleRecord(parsed)));
    } catch (e: unknown) {
      if (isCasConflict(e)) throw new UsageError('name', `an alert rule named "${parsed.name}" already exists`, { cause: e });
      throw e;
    }
    return parsed;
  }

  async get(name: string): Promise<ParsedAlertRule | undefined> {
    validateName(name, 'name');
    const e = await this.kv.get(name);
    if (e === null || e.operation !== 'PUT') return undefined;
    return decodeAlertRule(e.value, name);
  }

  async list(): Promise<ParsedAlertRule[]> {
    const names: string[] = [];
    for await (const k of await this.kv.keys()) names.push(k);
    const out: ParsedAlertRule[] = [];
    for (const n of names.sort()) {
      const r = await this.get(n);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  async remove(name: string): Promise<boolean> {
    validateName(name, 'name');
    const e = await this.kv.get(name);
    if (e === null || e.operation !== 'PUT') return false;
    await this.kv.delete(name);
    return true;
  }

  /** Follow rule changes (initial values first); `onChange` gets the full current set. */
  async follow(onChange: (rules: ParsedAlertRule[]) => void, onError?: (e: unknown) => void): Promise<() => void> {
    const rules = new Map<string, ParsedAlertRule>();
    const it = await this.kv.watch();
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

export function decodeAlertRule(value: Uint8Array, key: string): ParsedAlertRule {
  let raw: unknown;
  try {
    raw = decodeJson(value);
  } catch (e: unknown) {
    throw new XtraceError('internal', `alert rule ${key}: stored value is not JSON`, { cause: e });
  }
  return validateAlertRule(raw, `alert[${key}]`);
}
