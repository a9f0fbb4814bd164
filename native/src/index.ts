/**
 * Loads the libbpf addon (native/build/Release/xtrace_native.node in a checkout, or the prebuilt
 * prebuilds/linux-x64/xtrace_native.node of a release: ./addon-file.ts) and exposes it as the
 * typed NativeModule of ./api.ts. Errors thrown by the addon are BpfError instances carrying
 * the libbpf/kernel reason (errno, strerror) and the tail of libbpf's log (verifier output).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { XtraceError } from '@xtrace/proto';
import type { BpfObject, NativeModule, OpenObjectOptions, RingBufferStats } from './api.js';
import { addonCandidates, findAddonFile } from './addon-file.js';

export * from './api.js';
export * from './btf-drop-reasons.js';

/** Loading/attaching/accessing BPF failed; `op` names the addon call. */
export class BpfError extends XtraceError {
  /** the addon operation: 'load', 'attachTcx', 'mapUpdate', ... */
  readonly op: string;
  /** positive errno from libbpf or the kernel (EINVAL for bad arguments) */
  readonly errno: number;
  readonly errnoName: string;
  /** last lines libbpf printed during the call (verifier log on load failures) */
  readonly logTail: string;
  constructor(op: string, message: string, errno: number, errnoName: string, logTail: string) {
    super('bpf', message);
    this.op = op;
    this.errno = errno;
    this.errnoName = errnoName;
    this.logTail = logTail;
  }
}

/** Extra ring buffer counters the addon reports beyond the contract. */
export interface NativeRingBufferStats extends RingBufferStats {
  /** batches handed to JS and not yet delivered */
  pendingBatches: number;
  /** records whose size differed from recordSize (truncated or zero-padded) */
  sizeMismatches: number;
  /** last unexpected error of the drain thread (negative errno: a failed wait, staging lookup or flush), 0 if none */
  lastError: number;
}

/** What the addon offers beyond the BpfObject contract. */
export interface NativeBpfObject extends BpfObject {
  readonly path: string;
  readonly loaded: boolean;
  /** testRun on the libuv thread pool: the JS thread stays free (ring buffer delivery goes on) */
  testRunAsync(program: string, frame: Uint8Array, repeat: number): Promise<{ retval: number; durationNs: number }>;
}

interface NativeAddon extends NativeModule {
  openObject(path: string, options?: OpenObjectOptions): NativeBpfObject;
  /** ids of programs attached by tcx on (ifindex, direction) in the calling thread's namespace */
  tcxQuery(ifindex: number, direction: 'ingress' | 'egress'): number[];
  /** runs fn with the JS thread inside the network namespace at `path` (e.g. /run/netns/x) */
  runInNetns<T>(path: string, fn: () => T): T;
  /** closes every open object (the process 'exit' safety net calls this) */
  closeAll(): number;
  /**
   * glibc mallopt(M_MMAP_THRESHOLD): allocations of at least `bytes` get their own mapping and go
   * back to the system when freed (process-wide). False where refused.
   */
  setMallocMmapThreshold(bytes: number): boolean;
}

interface RawAddon extends NativeAddon {
  setErrorFactory(
    factory: (op: string, message: string, errno: number, errnoName: string, logTail: string) => Error,
  ): void;
}

const requireNative = createRequire(import.meta.url);
let loaded: RawAddon | undefined;

function addon(): RawAddon {
  if (loaded) return loaded;
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const file = findAddonFile(packageDir);
  if (file === undefined) {
    throw new XtraceError(
      'internal',
      `the native addon is not built (run \`npm run build -w @xtrace/native\`, needs libbpf-dev); looked for ${addonCandidates(packageDir).join(', ')}`,
    );
  }
  let mod: RawAddon;
  try {
    mod = requireNative(file) as RawAddon;
  } catch (e: unknown) {
    // a prebuilt addon on a host without its shared libraries lands here (dlopen's message names the library)
    throw new XtraceError(
      'internal',
      `cannot load the native addon ${file} (it needs libbpf.so.1, libelf.so.1 and libz.so.1: Debian's libbpf1, libelf1, zlib1g): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  mod.setErrorFactory((op, message, errno, errnoName, logTail) => new BpfError(op, message, errno, errnoName, logTail));
  // Safety net: classic clsact filters outlive the process; tcx links and ring threads do not matter
  // after exit but are closed in order too.
  process.on('exit', () => {
    mod.closeAll();
  });
  loaded = mod;
  return mod;
}

/** The addon, loaded on first use (importing this module never fails). */
export const native: NativeAddon = {
  openObject: (path, options) => addon().openObject(path, options),
  enableStats: () => addon().enableStats(),
  removeStaleClsactFilters: (ifindex) => addon().removeStaleClsactFilters(ifindex),
  numPossibleCpus: () => addon().numPossibleCpus(),
  libbpfVersion: () => addon().libbpfVersion(),
  tcxQuery: (ifindex, direction) => addon().tcxQuery(ifindex, direction),
  runInNetns: (path, fn) => addon().runInNetns(path, fn),
  closeAll: () => addon().closeAll(),
  setMallocMmapThreshold: (bytes) => addon().setMallocMmapThreshold(bytes),
};
