/**
 * Starts a probe's analyzer with what the registry knows of its hosts: the stages each agent
 * attached (the path a packet should cross) and its kernel's drop-reason names.
 */
import { XtraceError, errorMessage } from '@xtrace/proto';
import type { AgentRegistry } from './agent-registry.js';
import type { AnalyzerContext, AnalyzerFactory, ProbeAnalyzer } from './probe-analyzer.js';

/** The context fields the registry does not supply. */
type ProbeAnalyzerSpec = Omit<AnalyzerContext, 'attachedStages' | 'dropReasons'>;

/** Throws an 'internal' XtraceError when the factory fails. */
export async function startProbeAnalyzer(factory: AnalyzerFactory, registry: AgentRegistry, spec: ProbeAnalyzerSpec): Promise<ProbeAnalyzer> {
  try {
    const attachedStages = Object.fromEntries(spec.hosts.map((h) => [h, attachedStagesOf(registry, h)]));
    const dropReasons: Record<string, [number, string][]> = {};
    for (const h of spec.hosts) {
      const reasons = dropReasonsOf(registry, h);
      if (reasons) dropReasons[h] = reasons;
    }
    return await factory({ ...spec, attachedStages, dropReasons });
  } catch (e: unknown) {
    throw new XtraceError('internal', `matcher failed to start: ${errorMessage(e)}`, { cause: e });
  }
}

/** Stages the host's agent reported attached; the matcher expects packets at each. */
function attachedStagesOf(registry: AgentRegistry, host: string): string[] {
  const stages = registry.get(host)?.status.inventory.stages;
  if (!Array.isArray(stages)) return [];
  return (stages as { stage?: unknown; attached?: unknown }[])
    .filter((s) => s.attached === true && typeof s.stage === 'string' && s.stage !== 'drop')
    .map((s) => s.stage as string);
}

/** The host kernel's drop-reason names, as its agent reported them (an old agent: none). */
function dropReasonsOf(registry: AgentRegistry, host: string): [number, string][] | undefined {
  const reasons: unknown = registry.get(host)?.status.dropReasons;
  if (!Array.isArray(reasons)) return undefined;
  return reasons.filter((r): r is [number, string] => Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'string');
}
