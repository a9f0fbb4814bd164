/**
 * The stages packets of one direction are expected to cross ("expected set"), learned from
 * traffic (a position joins when a packet shows it) and seeded from the stages each host's
 * agent attached. Optional stages (proto OPTIONAL_STAGES) never join: a packet without one is
 * neither lost nor partial. Also the direction's fixed facts the matcher needs per record or
 * per packet: the host of each position, which positions are optional, and the VM-facing
 * positions of the VM breakdown (vm-breakdown.ts).
 */
import { OPTIONAL_STAGES, Stage } from '@xtrace/proto';
import { STAGE_SLOTS, type DirectionModel } from './path-model.js';
import { VM_IN_STAGES, VM_OUT_STAGES } from './vm-breakdown.js';
import { HostCatchUp } from './host-catch-up.js';

export class ExpectedPath {
  /** per position: 1 when it is in the expected set */
  readonly expected: Uint8Array;
  /** positions in the expected set */
  count = 0;
  /** the expected set has a position on every host of the path */
  spansAllHosts = false;
  /** controller ms when the expected set last grew */
  grewAtMs = -Infinity;
  /** whether every host has sent what it recorded before the set last grew (the early settle) */
  readonly catchUp: HostCatchUp;
  /** grewAtMs of the expected set whose settling last finalized the complete packets waiting for it */
  sweptAtGrowth = NaN;
  /** first and last expected positions: the end-to-end total spans them (-1: none yet) */
  firstPos = -1;
  lastPos = -1;
  /** per position: the host index */
  readonly hostOfPos: Int16Array;
  /** per position: 1 when its stage is optional (never expected) */
  readonly optional: Uint8Array;
  /** a packet showed an optional stage (or an agent has one attached) */
  optionalSeen = false;
  /**
   * The optional positions after the last expected-capable one (kvm_irq: written after the
   * packet's last expected record). Once the direction has optional stages, a complete packet
   * waits optionalGraceMs only while it lacks one of these; optional positions inside the path
   * (guest_kick, ovs_upcall) are written before a later expected stage, so they are in by
   * completion (one that is not counts as a late record).
   */
  readonly latePositions: number[] = [];
  /** positions of VM_IN_STAGES on the direction's last host, of VM_OUT_STAGES on its first (-1: none) */
  readonly vmInPositions: Int16Array;
  readonly vmOutPositions: Int16Array;

  constructor(
    readonly model: DirectionModel,
    width: number,
    private readonly hostCount: number,
  ) {
    this.expected = new Uint8Array(width);
    this.catchUp = new HostCatchUp(hostCount);
    this.hostOfPos = new Int16Array(width).fill(-1);
    this.optional = new Uint8Array(width);
    const positions = model.positions;
    positions.forEach((p, i) => {
      this.hostOfPos[i] = p.host;
      if (OPTIONAL_STAGES.has(p.stageName)) this.optional[i] = 1;
    });
    const lastRequired = this.optional.lastIndexOf(0, positions.length - 1);
    for (let i = lastRequired + 1; i < positions.length; i++) this.latePositions.push(i);
    const origin = model.hostOrder[0]!;
    const dest = model.hostOrder[model.hostOrder.length - 1]!;
    this.vmInPositions = Int16Array.from(VM_IN_STAGES, (st) => model.lookup[dest * STAGE_SLOTS + Stage[st]]!);
    this.vmOutPositions = Int16Array.from(VM_OUT_STAGES, (st) => model.lookup[origin * STAGE_SLOTS + Stage[st]]!);
  }

  get positionCount(): number {
    return this.model.positions.length;
  }

  /** A packet showed an expected-capable position the set lacks. */
  learn(pos: number, nowMs: number): void {
    const e = this.expected;
    this.grewAtMs = nowMs;
    this.catchUp.restart();
    e[pos] = 1;
    this.count++;
    if (this.firstPos < 0 || pos < this.firstPos) this.firstPos = pos;
    if (pos > this.lastPos) this.lastPos = pos;
    const hostsSeen = new Set<number>();
    for (let p = 0; p < e.length; p++) if (e[p]) hostsSeen.add(this.hostOfPos[p]!);
    this.spansAllHosts = hostsSeen.size === this.hostCount;
  }

  /** An agent attached the stage at `pos` on its host: expected unless optional. */
  seed(pos: number, nowMs: number): void {
    if (this.optional[pos] === 1) this.optionalSeen = true;
    else if (this.expected[pos] === 0) this.learn(pos, nowMs);
  }

  /**
   * The set spans the path, and every host has since sent what it recorded when the set last
   * grew (host-catch-up.ts) or it has not grown for settleMs: complete packets may finalize at once.
   */
  isSettled(nowMs: number, settleMs: number): boolean {
    return this.spansAllHosts && (this.catchUp.done || nowMs - this.grewAtMs >= settleMs);
  }

  /** The set settled since the last sweep of the packets that completed while it was settling. */
  needsSweep(nowMs: number, settleMs: number): boolean {
    return this.sweptAtGrowth !== this.grewAtMs && this.isSettled(nowMs, settleMs);
  }

  /** The first expected position after `pos`, or -1 (the packet reached the end of the path). */
  nextExpectedAfter(pos: number): number {
    const e = this.expected;
    const n = this.positionCount;
    for (let p = pos + 1; p < n; p++) if (e[p]) return p;
    return -1;
  }

  /** The packet whose times start at `base` has a record at every late optional position. */
  hasLatePositions(times: Float64Array, base: number): boolean {
    for (const pos of this.latePositions) if (times[base + pos] !== times[base + pos]) return false;
    return true;
  }
}
