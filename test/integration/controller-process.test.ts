import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connect } from 'nats';
import { XTRACE_BIN } from '../support/cli.js';
import { waitFor } from '../support/agents.js';
import { freePort } from '@xtrace/controller';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function startControllerProcess(): Promise<{ child: ReturnType<typeof spawn>; natsUrl: string; grpc: string; natsPid: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [XTRACE_BIN, 'controller', '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XTRACE_NATS_URL: '' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', () => {});
  await waitFor(() => /grpc: /.test(out), 15_000, 'controller to print its addresses');
  const natsUrl = /nats: (\S+) \(embedded\)/.exec(out)![1]!;
  const natsPort = Number(new URL(natsUrl).port);
  // the pid listening on that port
  const { execFileSync } = await import('node:child_process');
  const ss = execFileSync('ss', ['-Hltnp', `sport = :${natsPort}`]).toString();
  const natsPid = Number(/pid=(\d+)/.exec(ss)![1]);
  return { child, natsUrl, grpc: /grpc: (\S+)/.exec(out)![1]!, natsPid };
}

describe('xtrace controller process with embedded NATS', () => {
  it('starts nats-server on loopback and stops it on SIGTERM (exit 0)', async () => {
    const c = await startControllerProcess();
    expect(c.natsUrl).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    const nc = await connect({ servers: c.natsUrl });
    const jsm = await nc.jetstreamManager(); // JetStream is on
    expect((await jsm.getAccountInfo()).limits).toBeDefined();
    await nc.close();
    const exited = new Promise<number | null>((r) => c.child.once('exit', (code) => r(code)));
    c.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(() => !alive(c.natsPid), 3000, 'nats-server to exit');
  });

  it('a crashed controller (SIGKILL) takes its nats-server down too', async () => {
    const c = await startControllerProcess();
    expect(alive(c.natsPid)).toBe(true);
    c.child.kill('SIGKILL');
    await waitFor(() => !alive(c.natsPid), 3000, 'nats-server to die with its parent');
  });
});
