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

/** A program as the kernel describes it (bpf_obj_get_info_by_fd); ids and sizes 0 when not loaded. */
export interface ProgramInfo {
  name: string;
  section: string;
  loaded: boolean;
  /** kernel program id (bpftool prog show id N) */
  id: number;
  /** sched_cls, tracing, tracepoint, kprobe, ...; "type N" for one newer than the addon's libbpf */
  type: string;
  /** counted only while bpf_stats is on */
  runCount: number;
  runTimeNs: number;
  recursionMisses: number;
  xlatedBytes: number;
  jitedBytes: number;
}

/** A created map as the kernel describes it. */
export interface MapInfo {
  name: string;
  /** kernel map id (bpftool map show id N) */
  id: number;
  /** hash, lru_hash, array, percpu_array, ringbuf, ... */
  type: string;
  keySize: number;
  valueSize: number;
  /** a ring buffer's size in bytes */
  maxEntries: number;
}

/** An active attachment with its kernel link (linkId 0: not a link, e.g. a classic tc filter). */
export interface LinkInfo {
  kind: Attachment['kind'];
  program: string;
  target: string;
  linkId: number;
  /** tcx, tracing, perf_event, raw_tracepoint, ...; "" when not a link */
  linkType: string;
  progId: number;
}

export interface RingBufferStats {
  /** records handed to JS */
  records: number;
  /** batches handed to JS */
  batches: number;
  /** times the drain thread paused because JS had too many batches unconsumed */
  backpressurePauses: number;
  /** ring entries that were not whole records (kept as one zero-filled record) */
  sizeMismatches: number;
  /** staging (options.staging): CPUs whose waiting records were sent to the ring */
  stagingFlushes: number;
  /** staging: flushes a CPU refused because a program was inside its batch (retried next time) */
  stagingBusy: number;
  /** staging: failed map reads or program runs (the error is in lastError) */
  stagingErrors: number;
  /** the last negative errno the drain thread saw (0: none) */
  lastError: number;
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
  /**
   * Records staged per CPU in BPF (xtrace's xt_batch): `map` is a per-CPU array whose value is
   * a u32 count of waiting records, a u32 of BPF's own, then the records, each starting with its
   * CLOCK_MONOTONIC timestamp in ns; `program` is a loaded raw_tp program that sends its CPU's
   * records to this ring. The drain thread looks every flushMs and runs it on every CPU whose
   * oldest record is flushMs / 2 old (a record waits there less than 2 flushMs; at high rates
   * batches fill and leave on their own, and no CPU is interrupted), and on every CPU with records
   * before its last drain. A ring entry may then hold several whole records.
   */
  staging?: { map: string; program: string };
}

/** What Attachment.check() found: attached, or what is there instead. */
export type AttachmentCheck = { attached: true } | { attached: false; found: string };

/** A link or attachment owned by the object; destroy() detaches. Idempotent. */
export interface Attachment {
  readonly kind: 'tcx' | 'clsact' | 'tracepoint' | 'raw_tracepoint' | 'program';
  readonly program: string;
  readonly target: string;
  destroy(): void;
  /**
   * Whether the attachment still runs its program though xtrace did not destroy it: another
   * process can detach a tcx link (BPF_LINK_DETACH, `bpftool link detach`) or delete a clsact
   * filter (`tc filter del`), and a device can go. One syscall (tcx: the link's info, whose
   * ifindex is 0 once detached; clsact: a netlink query of our handle/priority in the filter's
   * namespace, compared with the program id). Tracing and tracepoint links cannot be detached
   * from outside the process that holds them: always attached until destroy().
   */
  check(): AttachmentCheck;
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
  /** classic clsact + filter; our filters use handle and priority 0x7874 ("xt", native/src/addon/attach-tc.cc) */
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
  /** every program of the object, loaded or not, with the kernel's description of the loaded ones */
  programInfo(): ProgramInfo[];
  /** after load(): every created map */
  mapInfo(): MapInfo[];
  /** the active attachments and their kernel links */
  linkInfo(): LinkInfo[];
  /** BPF_PROG_TEST_RUN: runs a program on a frame `repeat` times */
  testRun(program: string, frame: Uint8Array, repeat: number): { retval: number; durationNs: number };
  /** detaches everything, stops ring buffers, closes the object. Idempotent. */
  close(): void;
}

export interface RingBuffer {
  stats(): RingBufferStats;
  /**
   * Sends on now what waits: every CPU's staged records (options.staging, however young), the
   * ring's entries and the partial batch. Resolves once onBatch has had all of them; the thread
   * goes on draining. (A record a program writes while this runs may come after.)
   */
  drain(): Promise<void>;
  /** drains what is left, delivers it, stops the thread */
  close(): Promise<void>;
}

export interface OpenObjectOptions {
  /**
   * The kernel's BTF from this file instead of /sys/kernel/btf/vmlinux (libbpf's
   * btf_custom_path: CO-RE relocations use it; for kernels built without BTF, e.g. a BTFHub
   * file). libbpf reads it at load(): a bad file fails load() with libbpf's reason.
   */
  btfCustomPath?: string;
}

export interface NativeModule {
  openObject(path: string, options?: OpenObjectOptions): BpfObject;
  /** keeps kernel bpf_stats (run time, run count) on until the handle is closed */
  enableStats(): { close(): void };
  /** removes classic clsact filters carrying our handle/priority (stale ones after a crash) */
  removeStaleClsactFilters(ifindex: number): number;
  numPossibleCpus(): number;
  libbpfVersion(): string;
}

export const BPF_TCX_INGRESS = 46;
export const BPF_TCX_EGRESS = 47;
