/**
 * Human rendering of reports (`@xtrace/proto/render`), one renderer for the controller (the
 * table a PairReport carries) and the CLI (a report without one), and the table helper both use.
 * A subpath of its own: agent processes, which import @xtrace/proto, never render.
 */
export * from './table.js';
export * from './format-duration.js';
export * from './render-vm-breakdown.js';
export * from './render-report.js';
