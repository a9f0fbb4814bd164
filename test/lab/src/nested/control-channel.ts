/**
 * The host's end of a hypervisor's control channel: QEMU's unix socket behind the guest's
 * virtio-serial port xtrace.control, where test/lab/nested/control-server.py answers JSON
 * lines. Requests carry ids, so commands run concurrently; each has a deadline here too (the
 * guest enforces the command's own timeout, this one covers a guest that stopped answering).
 */
import { connect, type Socket } from 'node:net';
import { sleep } from '../shell.js';
import { NestedLabError } from './errors.js';

export interface CommandReply {
  /** null when killed by a signal (signal) or at the timeout (timedOut) */
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** how long it ran in the guest */
  ms: number;
}

type ControlRequest =
  | { op: 'exec'; script: string; timeoutMs: number }
  | { op: 'vm'; vm: number; script: string; timeoutMs: number }
  | { op: 'ping' }
  | { op: 'poweroff' };

interface Pending {
  resolve(reply: Record<string, unknown>): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** the guest's answer may come this long after a command's own timeout */
const REPLY_GRACE_MS = 15_000;

export class ControlChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffer = '';
  private closed: Error | undefined;
  private helloSeen = false;
  private readonly helloWaiters: Array<() => void> = [];

  private constructor(
    private readonly socket: Socket,
    private readonly label: string,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', () => undefined); // 'close' follows and says it
    socket.on('close', () => this.onClose());
  }

  /**
   * Connects to QEMU's end of the channel, retrying while the socket does not exist yet;
   * gives up at the deadline or when `gone()` says why the other side will never be there.
   */
  static async connect(path: string, label: string, opts: { deadline: number; gone: () => string | undefined }): Promise<ControlChannel> {
    let last: unknown;
    while (Date.now() < opts.deadline) {
      const why = opts.gone();
      if (why) throw new NestedLabError(`${label}: no control channel: ${why}`);
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
        return new ControlChannel(socket, label);
      } catch (e: unknown) {
        last = e;
        await sleep(100);
      }
    }
    throw new NestedLabError(`${label}: cannot connect to the control socket ${path}`, { cause: last });
  }

  /**
   * Resolves when the guest's control server runs: its hello, or the answer to a ping (which
   * waits in the port until the guest opens it, in case the hello went out before we connected).
   */
  async waitServer(timeoutMs: number): Promise<void> {
    if (this.helloSeen) return;
    const hello = new Promise<void>((resolve) => this.helloWaiters.push(resolve));
    await Promise.race([hello, this.request({ op: 'ping' }, timeoutMs)]);
  }

  /** Sends one request; resolves with the guest's reply, rejects on an `error` reply, a timeout or a closed channel. */
  request(req: ControlRequest, replyTimeoutMs: number): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new NestedLabError(`${this.label}: no answer to ${req.op} #${id} in ${replyTimeoutMs} ms`));
      }, replyTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(JSON.stringify({ id, ...req }) + '\n');
    });
  }

  /** Runs a command (exec: bash in the hypervisor; vm: sh in VM `vm` over its console). */
  async command(req: Extract<ControlRequest, { op: 'exec' | 'vm' }>): Promise<CommandReply> {
    const r = await this.request(req, req.timeoutMs + REPLY_GRACE_MS);
    return {
      code: typeof r['code'] === 'number' ? r['code'] : null,
      signal: typeof r['signal'] === 'string' ? r['signal'] : null,
      timedOut: r['timedOut'] === true,
      stdout: typeof r['stdout'] === 'string' ? r['stdout'] : '',
      stderr: typeof r['stderr'] === 'string' ? r['stderr'] : '',
      ms: typeof r['ms'] === 'number' ? r['ms'] : 0,
    };
  }

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // not ours (a line cut by a reconnect)
      }
      if (msg['event'] === 'hello') {
        this.helloSeen = true;
        for (const w of this.helloWaiters.splice(0)) w();
        continue;
      }
      const p = typeof msg['id'] === 'number' ? this.pending.get(msg['id']) : undefined;
      if (!p) continue; // answer to a request that timed out here
      this.pending.delete(msg['id'] as number);
      clearTimeout(p.timer);
      if (typeof msg['error'] === 'string') p.reject(new NestedLabError(`${this.label}: ${msg['error']}`));
      else p.resolve(msg);
    }
  }

  private onClose(): void {
    this.closed = new NestedLabError(`${this.label}: control channel closed (QEMU exited?)`);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(this.closed);
      this.pending.delete(id);
    }
  }
}
