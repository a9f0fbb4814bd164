/**
 * What an agent answers to its `inspect` command (commands.ts): the gRPC message AgentInspection
 * of proto/xtrace.proto as proto-loader decodes it, so the controller relays it to `xtrace
 * inspect` as sent (node-agent tracing/tracer-inspection.ts builds it).
 */
import type { AgentInspection__Output } from './generated/xtrace/v1/AgentInspection.js';
import type { InspectLink__Output } from './generated/xtrace/v1/InspectLink.js';
import type { InspectMap__Output } from './generated/xtrace/v1/InspectMap.js';
import type { InspectProgram__Output } from './generated/xtrace/v1/InspectProgram.js';
import type { InspectRing__Output } from './generated/xtrace/v1/InspectRing.js';
import type { InspectStage__Output } from './generated/xtrace/v1/InspectStage.js';

export type AgentInspection = AgentInspection__Output;
export type InspectProgram = InspectProgram__Output;
export type InspectLink = InspectLink__Output;
export type InspectMap = InspectMap__Output;
export type InspectStage = InspectStage__Output;
export type InspectRing = InspectRing__Output;

/** InspectMap.used when the map's entries are not counted (arrays always hold max_entries) */
export const MAP_USED_NOT_COUNTED = -1;
