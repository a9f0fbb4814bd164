/**
 * Two network namespaces joined by a veth pair, for attach tests. Everything is named
 * with the `xtn` prefix plus a random suffix, and removed by destroy() (also on failure).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface VethLab {
  /** namespace where programs attach (ip netns name) */
  nsA: string;
  /** namespace that sends traffic */
  nsB: string;
  nsPathA: string;
  ifA: string;
  ifB: string;
  ifindexA: number;
  addrA: string;
  addrB: string;
  /** ping addrA from nsB */
  ping(count: number): void;
  /** `tc filter show` on ifA in nsA for a direction */
  tcFilters(direction: 'ingress' | 'egress'): string;
  destroy(): void;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function createVethLab(): VethLab {
  const id = randomBytes(3).toString('hex');
  const nsA = `xtn-${id}-a`;
  const nsB = `xtn-${id}-b`;
  const ifA = `xtn${id}a`;
  const ifB = `xtn${id}b`;
  const octet = 1 + (parseInt(id.slice(0, 2), 16) % 250);
  const addrA = `10.213.${octet}.1`;
  const addrB = `10.213.${octet}.2`;
  const destroy = (): void => {
    for (const ns of [nsA, nsB]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // not created (setup failed before it) — nothing to remove
      }
    }
  };
  try {
    ip('netns', 'add', nsA);
    ip('netns', 'add', nsB);
    ip('-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB);
    ip('-n', nsA, 'addr', 'add', `${addrA}/30`, 'dev', ifA);
    ip('-n', nsB, 'addr', 'add', `${addrB}/30`, 'dev', ifB);
    for (const [ns, dev] of [
      [nsA, ifA],
      [nsB, ifB],
      [nsA, 'lo'],
      [nsB, 'lo'],
    ] as const) {
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    const info = JSON.parse(ip('-n', nsA, '-j', 'link', 'show', 'dev', ifA)) as { ifindex: number }[];
    const ifindexA = info[0]!.ifindex;
    return {
      nsA,
      nsB,
      nsPathA: `/run/netns/${nsA}`,
      ifA,
      ifB,
      ifindexA,
      addrA,
      addrB,
      ping(count: number): void {
        execFileSync('ip', ['netns', 'exec', nsB, 'ping', '-q', '-c', String(count), '-i', '0.05', '-W', '2', addrA], {
          stdio: 'pipe',
        });
      },
      tcFilters(direction): string {
        return execFileSync('tc', ['-n', nsA, 'filter', 'show', 'dev', ifA, direction], { encoding: 'utf8' });
      },
      destroy,
    };
  } catch (e: unknown) {
    destroy();
    throw e;
  }
}
