/**
 * Reads drop-reason names from a raw BTF blob (the bytes of /sys/kernel/btf/vmlinux, or a
 * module's /sys/kernel/btf/openvswitch, read by the caller: this file does no I/O).
 * Finds `enum skb_drop_reason` (and the subsystem enums `ovs_drop_reason`,
 * `mac80211_drop_reason` when present) and returns value -> name, prefixes stripped
 * (SKB_DROP_REASON_NO_SOCKET -> NO_SOCKET, SKB_CONSUMED -> CONSUMED, OVS_DROP_METER -> OVS_DROP_METER).
 * Returns null when the blob is not BTF or has no `skb_drop_reason` (and no subsystem enum).
 * Split BTF (module blobs) refers to base type ids, but enums carry their names inline in
 * the blob's own string section, so a module blob parses alone.
 */
const BTF_MAGIC = 0xeb9f;

const KIND_INT = 1;
const KIND_ARRAY = 3;
const KIND_STRUCT = 4;
const KIND_UNION = 5;
const KIND_ENUM = 6;
const KIND_FUNC_PROTO = 13;
const KIND_VAR = 14;
const KIND_DATASEC = 15;
const KIND_DECL_TAG = 17;
const KIND_ENUM64 = 19;

const WANTED = new Set(['skb_drop_reason', 'ovs_drop_reason', 'mac80211_drop_reason']);

export function parseDropReasonsFromBtf(blob: Uint8Array): Map<number, string> | null {
  if (blob.byteLength < 24) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const magic = view.getUint16(0, true);
  const little = magic === BTF_MAGIC;
  if (!little && view.getUint16(0, false) !== BTF_MAGIC) return null;
  const u32 = (off: number): number => view.getUint32(off, little);
  const hdrLen = u32(4);
  const typeOff = hdrLen + u32(8);
  const typeLen = u32(12);
  const strOff = hdrLen + u32(16);
  const strLen = u32(20);
  if (typeOff + typeLen > blob.byteLength || strOff + strLen > blob.byteLength) return null;
  const decoder = new TextDecoder();
  const str = (nameOff: number): string => {
    if (nameOff >= strLen) return '';
    const start = strOff + nameOff;
    let end = start;
    while (end < strOff + strLen && blob[end] !== 0) end++;
    return decoder.decode(blob.subarray(start, end));
  };

  const out = new Map<number, string>();
  let found = false;
  let p = typeOff;
  const endTypes = typeOff + typeLen;
  while (p + 12 <= endTypes) {
    const nameOff = u32(p);
    const info = u32(p + 4);
    const vlen = info & 0xffff;
    const kind = (info >>> 24) & 0x1f;
    const signed = (info >>> 31) === 1;
    p += 12;
    let extra = 0;
    switch (kind) {
      case KIND_INT:
      case KIND_VAR:
      case KIND_DECL_TAG:
        extra = 4;
        break;
      case KIND_ARRAY:
        extra = 12;
        break;
      case KIND_STRUCT:
      case KIND_UNION:
      case KIND_DATASEC:
        extra = vlen * 12;
        break;
      case KIND_FUNC_PROTO:
        extra = vlen * 8;
        break;
      case KIND_ENUM:
        extra = vlen * 8;
        if (WANTED.has(str(nameOff))) {
          found = true;
          for (let i = 0; i < vlen; i++) {
            const e = p + i * 8;
            const value = signed ? view.getInt32(e + 4, little) : u32(e + 4);
            addName(out, value, str(u32(e)));
          }
        }
        break;
      case KIND_ENUM64:
        extra = vlen * 12;
        if (WANTED.has(str(nameOff))) {
          found = true;
          for (let i = 0; i < vlen; i++) {
            const e = p + i * 12;
            const lo = u32(e + 4);
            const hi = u32(e + 8);
            if (hi === 0) addName(out, lo, str(u32(e)));
          }
        }
        break;
      default:
        extra = 0; // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG
    }
    p += extra;
  }
  return found ? out : null;
}

function addName(out: Map<number, string>, value: number, raw: string): void {
  if (raw.endsWith('_MAX') || raw.endsWith('SUBSYS_MASK') || raw.endsWith('_FIRST')) return;
  let name = raw;
  if (name.startsWith('SKB_DROP_REASON_')) name = name.slice('SKB_DROP_REASON_'.length);
  else if (name.startsWith('SKB_')) name = name.slice('SKB_'.length);
  if (!out.has(value)) out.set(value, name);
}
