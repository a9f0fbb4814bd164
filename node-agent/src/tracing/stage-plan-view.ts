/**
 * The stage plan as `xtrace inspect` shows it: for each stage, what the plan (stage-plan.ts)
 * offered it (its devices and direction, its candidate hooks best first) beside what the hook
 * manager got (the stage report: the hook, or why each candidate failed). Pure.
 */
import type { InspectStage } from '@xtrace/proto';
import { describeCandidate, type HookCandidate } from './hook-candidates.js';
import type { StagePlan } from './stage-plan.js';
import type { StageReport } from './tracer-api.js';

const unique = (items: string[]): string[] => [...new Set(items)];
const candidateNames = (cs: HookCandidate[]): string[] => unique(cs.map((c) => describeCandidate(c)));

export function stagePlanView(plan: StagePlan, reports: StageReport[]): InspectStage[] {
  const view = new Map<string, InspectStage>();
  const entry = (stage: string, kind: string): InspectStage => {
    let e = view.get(stage);
    if (!e) {
      e = { stage, kind, devices: [], candidates: [], attached: false, hook: '', fallbacks: [] };
      view.set(stage, e);
    }
    return e;
  };
  for (const ds of plan.deviceStages) {
    const e = entry(ds.stage, 'device');
    e.devices = unique([...e.devices, `${ds.device.name} ${ds.dir}`]);
    e.candidates = unique([...e.candidates, ...candidateNames(ds.candidates)]);
  }
  for (const fs of plan.functionStages) {
    const e = entry(fs.stage, 'function');
    e.devices = unique([...e.devices, ...fs.devices.map((d) => d.name)]);
    e.candidates = unique([...e.candidates, ...candidateNames(fs.candidates)]);
  }
  entry('drop', 'drop').candidates = candidateNames(plan.dropCandidates);
  for (const { stage } of plan.unobservable) entry(stage, 'unobservable');
  for (const r of reports) {
    const e = entry(r.stage, 'unobservable');
    e.attached = r.attached;
    e.hook = r.hook ?? '';
    e.fallbacks = r.fallbacks.map((f) => ({ candidate: f.candidate, reason: f.reason }));
  }
  return [...view.values()];
}
