/**
 * What `xtrace lab nested` and `xtrace demo --kernel` hold while the nested lab is up: a
 * controller stack (NATS + controller) when agents run, the lab, and a log directory; torn
 * down in reverse order, whatever of it was made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControllerStack, NestedLab } from '@xtrace/lab';
import { loadLabModule } from '../lab-module.js';

export class NestedSession {
  readonly logDir: string;
  stack: ControllerStack | undefined;
  lab: NestedLab | undefined;

  private constructor(
    readonly labModule: typeof import('@xtrace/lab'),
    name: string,
  ) {
    this.logDir = mkdtempSync(join(tmpdir(), `xtrace-${name}-`));
  }

  /** The lab is TypeScript run through tsx (never compiled): loaded only here. */
  static async open(name: string): Promise<NestedSession> {
    return new NestedSession(await loadLabModule(), name);
  }

  async startStack(instance: string): Promise<ControllerStack> {
    this.stack = await this.labModule.ControllerStack.start({ instance, logDir: this.logDir });
    return this.stack;
  }

  async teardown(): Promise<void> {
    await this.lab?.down();
    await this.stack?.stop();
    rmSync(this.logDir, { recursive: true, force: true });
  }
}
