/**
 * The ordered stages ("positions") a probe's packets cross, per direction.
 *
 * A path is the list of hosts in forward order: [srcHost, ...transitHosts, dstHost]; a
 * same-host pair is [host]. Forward packets cross hosts in that order, reverse packets
 * (flags bit0) in the opposite order. On each host the stages come in this order:
 *   first host (sender):  guest_kick vhost_tx tap_rx ovs_in ovs_upcall ovs_out tunnel_tx nic_tx (SENDER_STAGES)
 *   last host (receiver): nic_rx tunnel_rx ovs_in ovs_upcall ovs_out tap_tx vhost_rx kvm_irq (RECEIVER_STAGES)
 *   transit host:         nic_rx tunnel_rx ovs_in ovs_upcall ovs_out tunnel_tx nic_tx (TRANSIT_STAGES)
 *   same host (both):     guest_kick vhost_tx tap_rx ovs_in ovs_upcall ovs_out tunnel_tx nic_tx nic_rx
 *                         tunnel_rx tap_tx vhost_rx kvm_irq (the switch is crossed once)
 * The direction (flag) plus the host says which role a host plays, so the two taps of a
 * same-host pair need no ifindex: tap_rx is always the sending VM's tap, tap_tx the other.
 * A position is dense (0..positions-1) per direction so per-packet state is a small array.
 */
import { RECEIVER_STAGES, SENDER_STAGES, Stage, TRANSIT_STAGES, type StageName } from '@xtrace/proto';

export const STAGE_SLOTS = 16; // stage ids are < 16 (xt_stage XT_STAGE_MAX = 15)

export interface PathPosition {
  /** index into PathModel.hosts */
  host: number;
  stage: number;
  stageName: StageName;
}

export interface DirectionModel {
  positions: PathPosition[];
  /** (hostIndex * STAGE_SLOTS + stageId) -> position, -1 when the stage is not on this path */
  lookup: Int16Array;
  /** host indices in crossing order */
  hostOrder: number[];
}

export interface PathModel {
  hosts: string[];
  /** [forward, reverse] */
  directions: [DirectionModel, DirectionModel];
  /** max positions over both directions */
  width: number;
}

const SAME_HOST_STAGES: readonly StageName[] = [
  'guest_kick',
  'vhost_tx',
  'tap_rx',
  'ovs_in',
  'ovs_upcall',
  'ovs_out',
  'tunnel_tx',
  'nic_tx',
  'nic_rx',
  'tunnel_rx',
  'tap_tx',
  'vhost_rx',
  'kvm_irq',
];

function stagesFor(indexInOrder: number, count: number): readonly StageName[] {
  if (count === 1) return SAME_HOST_STAGES;
  if (indexInOrder === 0) return SENDER_STAGES;
  if (indexInOrder === count - 1) return RECEIVER_STAGES;
  return TRANSIT_STAGES;
}

function buildDirection(hostCount: number, hostOrder: number[]): DirectionModel {
  const positions: PathPosition[] = [];
  const lookup = new Int16Array(hostCount * STAGE_SLOTS).fill(-1);
  hostOrder.forEach((host, i) => {
    for (const name of stagesFor(i, hostOrder.length)) {
      const stage = Stage[name];
      lookup[host * STAGE_SLOTS + stage] = positions.length;
      positions.push({ host, stage, stageName: name });
    }
  });
  return { positions, lookup, hostOrder };
}

export function buildPathModel(hosts: readonly string[]): PathModel {
  if (hosts.length === 0) throw new RangeError('path needs at least one host');
  if (new Set(hosts).size !== hosts.length) throw new RangeError(`path lists a host twice: ${hosts.join(',')}`);
  const order = hosts.map((_, i) => i);
  const forward = buildDirection(hosts.length, order);
  const reverse = buildDirection(hosts.length, [...order].reverse());
  return {
    hosts: [...hosts],
    directions: [forward, reverse],
    width: Math.max(forward.positions.length, reverse.positions.length),
  };
}
