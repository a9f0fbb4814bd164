/**
 * Least privilege on NATS: what an agent's and a controller's credentials may publish and
 * subscribe to. The generator (`xtrace nats-config`, cli/src/commands/nats-config.ts) renders
 * these into a nats-server authorization block (nats-server-auth-config.ts) and the tests
 * (test/integration/nats-least-privilege.test.ts) prove them against a real server, so the
 * subjects come from Subjects and jetstream-names.ts, never retyped.
 */
import { UsageError } from './errors.js';
import {
  FLEET_KV_BUCKETS,
  HISTORY_STREAM,
  HISTORY_SUBJECT_PREFIX,
  kvStreamName,
  kvSubjects,
} from './jetstream-names.js';
import { Subjects, isSubjectToken } from './subjects.js';

export interface NatsPermissions {
  /** subjects (wildcards allowed) the user may publish to; everything else is denied */
  publish: string[];
  /** subjects the user may subscribe to; everything else is denied */
  subscribe: string[];
  /** may publish one reply to the reply subject of each request it received (nats-server `allow_responses`) */
  allowResponses: boolean;
}

/** Reply subjects of a client's own requests (nats.js's default inbox prefix). */
export const INBOX_SUBJECTS = '_INBOX.>';

/** The subject of the default alert NATS sink subjects granted to controllers (`xtrace alert add --nats-subject`). */
export const DEFAULT_ALERT_SUBJECTS = 'xtrace.alerts.>';

function requireHostToken(host: string): void {
  if (!isSubjectToken(host)) throw new UsageError('--agents', `a host id becomes a NATS subject token: expected [A-Za-z0-9_-]{1,128}, got '${host}'`);
}

/**
 * An agent on `host`: publishes only its own host's subjects (events of any probe, heartbeat,
 * announcement) and replies to the commands it receives; hears only its own commands and the
 * controllers' discover call. No JetStream: it cannot read or write schedules, alert rules,
 * leases or history.
 */
export function agentPermissions(host: string): NatsPermissions {
  requireHostToken(host);
  return {
    publish: [Subjects.events('*', host), Subjects.agentHeartbeat(host), Subjects.registryAnnounce(host)],
    subscribe: [Subjects.agentCmd(host), Subjects.registryDiscover],
    allowResponses: true,
  };
}

/**
 * The JetStream API, acknowledgement and flow-control subjects of one stream: `$JS.API.<A>.<B>.<stream>[.…]`
 * (STREAM.INFO/CREATE/UPDATE, CONSUMER.CREATE, DIRECT.GET, …) and `$JS.API.<A>.<B>.<C>.<stream>[.…]`
 * (STREAM.MSG.GET, CONSUMER.MSG.NEXT, CONSUMER.DURABLE.CREATE, …).
 */
export function jetStreamStreamSubjects(stream: string): string[] {
  return [
    `$JS.API.*.*.${stream}`,
    `$JS.API.*.*.${stream}.>`,
    `$JS.API.*.*.*.${stream}`,
    `$JS.API.*.*.*.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

export interface ControllerPermissionOptions {
  /** subjects alert rules may publish to (their NATS sinks); default DEFAULT_ALERT_SUBJECTS */
  alertSubjects?: readonly string[];
}

/**
 * A controller: commands to every agent, the discover call, every agent's heartbeats,
 * announcements and events, and the fleet layer's JetStream state (the KV buckets of schedules,
 * run claims, alert rules and probe slots, and the history stream), with its own request inboxes.
 */
export function controllerPermissions(opts: ControllerPermissionOptions = {}): NatsPermissions {
  const streams = [HISTORY_STREAM, ...FLEET_KV_BUCKETS.map(kvStreamName)];
  return {
    publish: [
      Subjects.agentCmd('*'),
      Subjects.registryDiscover,
      `${HISTORY_SUBJECT_PREFIX}.>`,
      ...FLEET_KV_BUCKETS.map(kvSubjects),
      '$JS.API.INFO',
      ...streams.flatMap(jetStreamStreamSubjects),
      ...(opts.alertSubjects ?? [DEFAULT_ALERT_SUBJECTS]),
    ],
    subscribe: [Subjects.agentHeartbeatAll, Subjects.registryAnnounceAll, Subjects.eventsOfProbe('*'), INBOX_SUBJECTS],
    allowResponses: false,
  };
}
