/**
 * The contract of the libbpf addon as TypeScript sees it. The addon (native/src/addon/*.cc)
 * implements it; native/src/index.ts loads the compiled module and wraps errors.
 */

export type TcDirection = 'ingress' | 'egress';

/** What one program cost in the kernel since stats were enabled (bpf_stats). */
export interface ProgramStats {
  name: string;
  id: number;
  runCount: number;
  runTimeNs: number;
}

export interface RingBufferStats {
  /** records handed to JS */
  records: number;
  /** batches handed to JS */
  batches: number;
  /** times the drain thread paused because JS had too many batches unconsumed */
  backpressurePauses: number;
}

export interface RingBufferOptions {
  /** record size in bytes (fixed layout); each batch holds whole records */
  recordSize: number;
  /** hand a batch to JS when it holds this many records */
  batchRecords: number;
  /** hand a partial batch to JS after this many milliseconds */
  flushMs: number;
  /** stop draining while this many batches wait for JS (the ring buffer then fills and BPF counts ringbuf_full) */
  maxPendingBatches: number;
  /**
   * Lend each batch to onBatch for the call only: afterwards the Buffer is detached (reads as
   * empty) and its memory holds a later batch, so batches make no garbage. Copy what you keep.
   * Default false: each batch is a Buffer of its own, freed when collected.
   */
  lend?: boolean;
}

/** A link or attachment owned by the object; destroy() detaches. Idempotent. */
export interface Attachment {
  readonly kind: 'tcx' | 'clsact' | 'tracepoint' | 'raw_tracepoint' | 'program';
  readonly program: string;
  readonly target: string;
  destroy(): void;
}

export interface BpfObject {
  /** program names in the object, with their section names */
  programs(): { name: string; section: string }[];
  maps(): { name: string; type: number; keySize: number; valueSize: number; maxEntries: number }[];
  /** before load(): whether to load a program at all */
  setAutoload(program: string, load: boolean): void;
  /** before load(): a map's max_entries (a ring buffer's size in bytes: a power-of-two multiple of the page size) */
  setMaxEntries(map: string, maxEntries: number): void;
  /** before load(): BPF_TCX_INGRESS (46) / BPF_TCX_EGRESS (47) for tcx, etc. */
  setExpectedAttachType(program: string, attachType: number): void;
  /** loads every autoload program; throws BpfError with the verifier log tail on failure */
  load(): void;

  attachTcx(program: string, ifindex: number, direction: TcDirection): Attachment;
  /** classic clsact + filter; our filters use XTRACE_TC_HANDLE and priority XTRACE_TC_PRIORITY */
  attachClsact(program: string, ifindex: number, direction: TcDirection): Attachment;
  attachTracepoint(program: string, category: string, name: string): Attachment;
  /** tp_btf / fentry / kprobe programs whose target is in their section name */
  attachAuto(program: string): Attachment;

  mapUpdate(map: string, key: Uint8Array, value: Uint8Array): void;
  /** null when the key is absent; per-CPU maps return nCPU values back to back (8-byte aligned each) */
  mapLookup(map: string, key: Uint8Array): Buffer | null;
  mapDelete(map: string, key: Uint8Array): boolean;
  /** every key of a hash map (bpf_map_get_next_key walk); added by the lead for VM learning */
  mapKeys(map: string): Buffer[];

  /** starts a drain thread on a BPF_MAP_TYPE_RINGBUF map; onBatch receives whole records */
  openRingBuffer(map: string, options: RingBufferOptions, onBatch: (batch: Buffer) => void): RingBuffer;

  programStats(program: string): ProgramStats;
  /** BPF_PROG_TEST_RUN: runs a program on a frame `repeat` times */
  testRun(program: string, frame: Uint8Array, repeat: number): { retval: number; durationNs: number };
  /** detaches everything, stops ring buffers, closes the object. Idempotent. */
  close(): void;
}

export interface RingBuffer {
  stats(): RingBufferStats;
  /** drains what is left, delivers it, stops the thread */
  close(): Promise<void>;
}

export interface NativeModule {
  openObject(path: string): BpfObject;
  /** keeps kernel bpf_stats (run time, run count) on until the handle is closed */
  enableStats(): { close(): void };
  /** removes classic clsact filters carrying our handle/priority (stale ones after a crash) */
  removeStaleClsactFilters(ifindex: number): number;
  numPossibleCpus(): number;
  libbpfVersion(): string;
}

export const BPF_TCX_INGRESS = 46;
export const BPF_TCX_EGRESS = 47;
export const XTRACE_TC_HANDLE = 0x7874; // "xt"
export const XTRACE_TC_PRIORITY = 0x7874;
