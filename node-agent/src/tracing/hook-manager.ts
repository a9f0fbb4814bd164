/**
 * Attaches the best available hook for every planned stage, falling back down each
 * stage's candidate list, and records per stage what it got and why better hooks failed.
 * Tracing programs are global and attached once however many stages use them; tc
 * attachments are per device. Every attachment is owned here and destroyed by detachAll().
 */
import { readFileSync } from 'node:fs';
import { errorMessage, type HookName, type StageName } from '@xtrace/proto';
import type { Attachment, BpfObject } from '@xtrace/native';
import { describeCandidate, type AttachMethod, type HookCandidate } from './hook-candidates.js';
import { DEV_STAGE_SLOTS, devStageValue, stageKey, stageValue, u32Key } from './bpf-layouts.js';
import type { DeviceStage, FunctionStage, StagePlan } from './stage-plan.js';
import type { StageReport } from './tracer-api.js';

interface HookManagerOptions {
  netns: number;
  /** attach methods turned off by configuration (XTRACE_DISABLE_HOOKS) */
  disabled: ReadonlySet<AttachMethod>;
  /** programs that did not load on this kernel, with the reason */
  unavailable: ReadonlyMap<string, string>;
}

type GlobalAttach = { ok: true; attachment: Attachment } | { ok: false; reason: string };

/** A stage's hook that is no longer attached though xtrace did not detach it. */
export interface LostHook {
  stage: StageName;
  /** the hook as the stage report names it: "tcx ingress nic0" */
  hook: string;
  /** what Attachment.check() found instead */
  found: string;
  /** the device itself is gone (a VM shut down and its tap was deleted): no one detached anything */
  deviceGone: boolean;
}

/** a device stage's tc attachment, watched by lostHooks() */
interface WatchedHook {
  stage: StageName;
  hook: string;
  attachment: Attachment;
  device: { name: string; ifindex: number };
  lost: boolean;
}

export class HookManager {
  private readonly attachments: Attachment[] = [];
  private readonly globals = new Map<string, GlobalAttach>();
  private readonly watched: WatchedHook[] = [];

  constructor(
    private readonly object: BpfObject,
    private readonly options: HookManagerOptions,
  ) {}

  attachPlan(plan: StagePlan): StageReport[] {
    const reports = new Map<StageName, StageReport>();
    const reportFor = (stage: StageName): StageReport => {
      let report = reports.get(stage);
      if (!report) {
        report = { stage, attached: false, devices: [], fallbacks: [] };
        reports.set(stage, report);
      }
      return report;
    };

    for (const ds of plan.deviceStages) {
      const report = reportFor(ds.stage);
      const got = this.attachDeviceStage(ds, report.fallbacks);
      if (got) {
        report.attached = true;
        report.devices.push(ds.device.name);
        const hooks = new Set((report.hook ?? '').split(', ').filter(Boolean));
        hooks.add(got);
        report.hook = [...hooks].join(', ');
      }
    }

    for (const fs of plan.functionStages) {
      const report = reportFor(fs.stage);
      report.devices.push(...fs.devices.map((d) => d.name));
      const needed = fs.needs ? reports.get(fs.needs) : undefined;
      if (fs.needs && !needed?.attached) {
        report.fallbacks.push({ candidate: '(all)', reason: `records through the ${fs.needs} stage's hook, which is not attached` });
        continue;
      }
      const got = this.attachFunctionStage(fs, report.fallbacks);
      if (got) {
        report.attached = true;
        report.hook = got;
      }
    }

    const drop = reportFor('drop');
    for (const candidate of plan.dropCandidates) {
      const reason = this.skipReason(candidate);
      if (reason) {
        drop.fallbacks.push({ candidate: describeCandidate(candidate), reason });
        continue;
      }
      const result = this.attachGlobal(candidate);
      if (result.ok) {
        drop.attached = true;
        drop.hook = describeCandidate(candidate);
        break;
      }
      drop.fallbacks.push({ candidate: describeCandidate(candidate), reason: result.reason });
    }

    for (const { stage, reason } of plan.unobservable) {
      const report = reportFor(stage);
      if (!report.attached) report.fallbacks.push({ candidate: '(none)', reason });
    }
    return [...reports.values()];
  }

  private skipReason(c: HookCandidate): string | undefined {
    if (this.options.disabled.has(c.method)) return `${c.method} disabled by configuration`;
    return this.options.unavailable.get(c.program);
  }

  /** Returns the hook description on success; appends each failed candidate's reason. */
  private attachDeviceStage(ds: DeviceStage, fallbacks: StageReport['fallbacks']): string | undefined {
    for (const candidate of ds.candidates) {
      const label = describeCandidate(candidate, ds.device.name);
      const skip = this.skipReason(candidate);
      if (skip) {
        fallbacks.push({ candidate: label, reason: skip });
        continue;
      }
      try {
        if (candidate.method === 'tcx' || candidate.method === 'clsact') {
          const attachment =
            candidate.method === 'tcx'
              ? this.object.attachTcx(candidate.program, ds.device.ifindex, ds.dir)
              : this.object.attachClsact(candidate.program, ds.device.ifindex, ds.dir);
          this.attachments.push(attachment);
          this.watched.push({ stage: ds.stage, hook: label, attachment, device: { name: ds.device.name, ifindex: ds.device.ifindex }, lost: false });
        } else {
          const result = this.attachGlobal(candidate);
          if (!result.ok) throw new Error(result.reason);
        }
        this.object.mapUpdate(
          'xt_stages',
          stageKey(this.options.netns, ds.device.ifindex, ds.dir),
          stageValue(ds.stage, candidate.hook),
        );
        this.registerDevStage(ds, candidate.hook);
        return label;
      } catch (e: unknown) {
        fallbacks.push({ candidate: label, reason: errorMessage(e) });
      }
    }
    return undefined;
  }

  /** Returns the hook description on success (with its companion); appends each failed candidate's reason. */
  private attachFunctionStage(fs: FunctionStage, fallbacks: StageReport['fallbacks']): string | undefined {
    for (const candidate of fs.candidates) {
      const label = describeCandidate(candidate);
      const skip = this.skipReason(candidate);
      if (skip) {
        fallbacks.push({ candidate: label, reason: skip });
        continue;
      }
      const companion = this.attachCompanion(candidate);
      if (companion.ok === false) {
        fallbacks.push({ candidate: label, reason: companion.reason });
        continue;
      }
      const result = this.attachGlobal(candidate);
      if (result.ok) return companion.label ? `${label} + ${companion.label}` : label;
      fallbacks.push({ candidate: label, reason: result.reason });
    }
    return undefined;
  }

  /** The first of a candidate's companions that attaches (none needed: ok). */
  private attachCompanion(c: HookCandidate): { ok: true; label?: string } | { ok: false; reason: string } {
    if (!c.companions?.length) return { ok: true };
    const reasons: string[] = [];
    for (const companion of c.companions) {
      const label = describeCandidate(companion);
      const skip = this.skipReason(companion);
      const result = skip ? { ok: false as const, reason: skip } : this.attachGlobal(companion);
      if (result.ok) return { ok: true, label };
      reasons.push(`${label}: ${result.reason}`);
    }
    return { ok: false, reason: `needs one of: ${reasons.join('; ')}` };
  }

  /** Programs find the stage of a device below DEV_STAGE_SLOTS in the xt_dev_stages array (cheaper than the hash per packet). */
  private registerDevStage(ds: DeviceStage, hook: HookName): void {
    if (ds.device.ifindex >= DEV_STAGE_SLOTS) return; // the programs fall back to xt_stages
    const key = u32Key(ds.device.ifindex);
    const current = this.object.mapLookup('xt_dev_stages', key);
    this.object.mapUpdate('xt_dev_stages', key, devStageValue(current, ds.dir, ds.stage, hook));
  }

  private attachGlobal(c: HookCandidate): GlobalAttach {
    const known = this.globals.get(c.program);
    if (known) return known;
    let result: GlobalAttach;
    try {
      const attachment = c.tracepoint
        ? this.object.attachTracepoint(c.program, c.tracepoint[0], c.tracepoint[1])
        : this.object.attachAuto(c.program);
      this.attachments.push(attachment);
      result = { ok: true, attachment };
    } catch (e: unknown) {
      result = { ok: false, reason: errorMessage(e) };
    }
    this.globals.set(c.program, result);
    return result;
  }

  /**
   * The tc hooks found detached since the last call, each reported once. Only tc attachments can
   * be taken away by someone else (`bpftool link detach` of a tcx link, `tc filter del` of a
   * clsact filter, or the device deleted); tracing and tracepoint links have no detach from
   * outside the process that holds them. Each check is one syscall (native Attachment.check()),
   * so polling every hook once a second costs nothing next to the traffic.
   */
  lostHooks(): LostHook[] {
    const lost: LostHook[] = [];
    for (const w of this.watched) {
      if (w.lost) continue;
      const c = w.attachment.check();
      if (c.attached) continue;
      w.lost = true;
      lost.push({ stage: w.stage, hook: w.hook, found: c.found, deviceGone: !deviceExists(w.device) });
    }
    return lost;
  }

  /**
   * Destroys every attachment, the last attached first. One that fails to detach does not keep
   * the others attached (a classic tc filter left behind outlives the process); its error is
   * returned with the others'.
   */
  detachAll(): unknown[] {
    const failed: unknown[] = [];
    for (const attachment of this.attachments.splice(0).reverse()) {
      try {
        attachment.destroy();
      } catch (e: unknown) {
        failed.push(e);
      }
    }
    this.globals.clear();
    this.watched.length = 0;
    return failed;
  }
}

/** Whether the agent's network namespace still has this device (same name, same ifindex). */
function deviceExists(device: { name: string; ifindex: number }): boolean {
  try {
    return Number(readFileSync(`/sys/class/net/${device.name}/ifindex`, 'utf8').trim()) === device.ifindex;
  } catch {
    return false;
  }
}
