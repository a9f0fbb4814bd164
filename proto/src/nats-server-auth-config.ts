/**
 * The nats-server `authorization` block of an xtrace fleet: one NKey user per agent and per
 * controller, each with its permissions (nats-permissions.ts). The block holds public keys
 * only; each user's seed stays with that user (`--nats-nkey <seed file>`, nats-options.ts).
 * docs/nats-security.md shows how to include it in a server's configuration.
 */
import { createUser, fromPublic, fromSeed } from 'nkeys.js';
import { UsageError, errorMessage } from './errors.js';
import type { NatsPermissions } from './nats-permissions.js';

export interface NatsAuthUser {
  /** who this is, written as a comment above the user ("agent hvA", "controller-1") */
  name: string;
  /** NKey public user key ("U…") */
  nkey: string;
  permissions: NatsPermissions;
}

export interface NkeyPair {
  publicKey: string;
  /** the seed ("SU…"), the secret a client authenticates with */
  seed: string;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export function createNkeyUser(): NkeyPair {
  const kp = createUser();
  return { publicKey: kp.getPublicKey(), seed: dec.decode(kp.getSeed()) };
}

/** Parses a seed file's text; `source` names it in the error. */
export function nkeyFromSeed(text: string, source: string): NkeyPair {
  const seed = text.trim();
  try {
    const kp = fromSeed(enc.encode(seed));
    const publicKey = kp.getPublicKey();
    if (!publicKey.startsWith('U')) throw new Error(`it is not a user seed (its public key is ${publicKey[0]}…)`);
    return { publicKey, seed };
  } catch (e: unknown) {
    throw new UsageError('--nats-nkey', `${source} holds no valid NKey user seed: ${errorMessage(e)}`, { cause: e });
  }
}

function quoted(s: string): string {
  // a quoted string is literal in the nats-server config language ($ does not start a variable there)
  return JSON.stringify(s);
}

function list(items: readonly string[]): string {
  return `[${items.map(quoted).join(', ')}]`;
}

/** The `authorization { users = [...] }` block, ready to `include` from a nats-server config. */
export function renderAuthorizationConfig(users: readonly NatsAuthUser[], header: readonly string[] = []): string {
  const out: string[] = header.map((h) => `# ${h}`);
  out.push('authorization {', '  users = [');
  for (const u of users) {
    try {
      fromPublic(u.nkey);
    } catch (e: unknown) {
      throw new UsageError('nkey', `${u.name}: '${u.nkey}' is not an NKey public key: ${errorMessage(e)}`, { cause: e });
    }
    if (!u.nkey.startsWith('U')) throw new UsageError('nkey', `${u.name}: '${u.nkey}' is not a user key (U…)`);
    out.push(
      `    # ${u.name}`,
      '    {',
      `      nkey: ${quoted(u.nkey)}`,
      '      permissions: {',
      `        publish: { allow: ${list(u.permissions.publish)} }`,
      `        subscribe: { allow: ${list(u.permissions.subscribe)} }`,
      ...(u.permissions.allowResponses ? ['        allow_responses: true'] : []),
      '      }',
      '    }',
    );
  }
  out.push('  ]', '}', '');
  return out.join('\n');
}
