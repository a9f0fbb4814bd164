// @xtrace/test: the reusable multi-hypervisor lab (test/lab) and its traffic generators.
export * from '../lab/src/index.js';
