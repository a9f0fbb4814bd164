/**
 * Names of the kernel's `enum skb_drop_reason` (include/net/dropreason-core.h), the value
 * `skb:kfree_skb` reports. The numeric order changes between kernel versions, so:
 *  - `DROP_REASONS_6_18` is the table of Linux 6.18 (dumped from its BTF), used when nothing
 *    better is known;
 *  - `parseDropReasonsFromBtf()` (native/src/btf-drop-reasons.ts) reads the running kernel's own table
 *    from /sys/kernel/btf/vmlinux, which the caller should prefer when it can read the file.
 * Names drop the `SKB_DROP_REASON_` / `SKB_` prefix: NOT_SPECIFIED, NO_SOCKET, ...
 * Values with high bits set belong to a subsystem (value >> 16): 1 mac80211, 2 openvswitch.
 */

/** index = enum value, Linux 6.18 */
export const DROP_REASONS_6_18: readonly string[] = [
  'NOT_DROPPED_YET', 'CONSUMED', 'NOT_SPECIFIED', 'NO_SOCKET', 'SOCKET_CLOSE', 'SOCKET_FILTER',
  'SOCKET_RCVBUFF', 'UNIX_DISCONNECT', 'UNIX_SKIP_OOB', 'PKT_TOO_SMALL', 'TCP_CSUM', 'UDP_CSUM',
  'NETFILTER_DROP', 'OTHERHOST', 'IP_CSUM', 'IP_INHDR', 'IP_RPFILTER', 'UNICAST_IN_L2_MULTICAST',
  'XFRM_POLICY', 'IP_NOPROTO', 'PROTO_MEM', 'TCP_AUTH_HDR', 'TCP_MD5NOTFOUND', 'TCP_MD5UNEXPECTED',
  'TCP_MD5FAILURE', 'TCP_AONOTFOUND', 'TCP_AOUNEXPECTED', 'TCP_AOKEYNOTFOUND', 'TCP_AOFAILURE',
  'SOCKET_BACKLOG', 'TCP_FLAGS', 'TCP_ABORT_ON_DATA', 'TCP_ZEROWINDOW', 'TCP_OLD_DATA',
  'TCP_OVERWINDOW', 'TCP_OFOMERGE', 'TCP_RFC7323_PAWS', 'TCP_RFC7323_PAWS_ACK',
  'TCP_RFC7323_TW_PAWS', 'TCP_RFC7323_TSECR', 'TCP_LISTEN_OVERFLOW', 'TCP_OLD_SEQUENCE',
  'TCP_INVALID_SEQUENCE', 'TCP_INVALID_END_SEQUENCE', 'TCP_INVALID_ACK_SEQUENCE', 'TCP_RESET',
  'TCP_INVALID_SYN', 'TCP_CLOSE', 'TCP_FASTOPEN', 'TCP_OLD_ACK', 'TCP_TOO_OLD_ACK',
  'TCP_ACK_UNSENT_DATA', 'TCP_OFO_QUEUE_PRUNE', 'TCP_OFO_DROP', 'IP_OUTNOROUTES',
  'BPF_CGROUP_EGRESS', 'IPV6DISABLED', 'NEIGH_CREATEFAIL', 'NEIGH_FAILED', 'NEIGH_QUEUEFULL',
  'NEIGH_DEAD', 'NEIGH_HH_FILLFAIL', 'TC_EGRESS', 'SECURITY_HOOK', 'QDISC_DROP', 'QDISC_OVERLIMIT',
  'QDISC_CONGESTED', 'CAKE_FLOOD', 'FQ_BAND_LIMIT', 'FQ_HORIZON_LIMIT', 'FQ_FLOW_LIMIT',
  'CPU_BACKLOG', 'XDP', 'TC_INGRESS', 'UNHANDLED_PROTO', 'SKB_CSUM', 'SKB_GSO_SEG',
  'SKB_UCOPY_FAULT', 'DEV_HDR', 'DEV_READY', 'FULL_RING', 'NOMEM', 'HDR_TRUNC', 'TAP_FILTER',
  'TAP_TXFILTER', 'ICMP_CSUM', 'INVALID_PROTO', 'IP_INADDRERRORS', 'IP_INNOROUTES',
  'IP_LOCAL_SOURCE', 'IP_INVALID_SOURCE', 'IP_LOCALNET', 'IP_INVALID_DEST', 'PKT_TOO_BIG',
  'DUP_FRAG', 'FRAG_REASM_TIMEOUT', 'FRAG_TOO_FAR', 'TCP_MINTTL', 'IPV6_BAD_EXTHDR',
  'IPV6_NDISC_FRAG', 'IPV6_NDISC_HOP_LIMIT', 'IPV6_NDISC_BAD_CODE', 'IPV6_NDISC_BAD_OPTIONS',
  'IPV6_NDISC_NS_OTHERHOST', 'QUEUE_PURGE', 'TC_COOKIE_ERROR', 'PACKET_SOCK_ERROR',
  'TC_CHAIN_NOTFOUND', 'TC_RECLASSIFY_LOOP', 'VXLAN_INVALID_HDR', 'VXLAN_VNI_NOT_FOUND',
  'MAC_INVALID_SOURCE', 'VXLAN_ENTRY_EXISTS', 'NO_TX_TARGET', 'IP_TUNNEL_ECN', 'TUNNEL_TXINFO',
  'LOCAL_MAC', 'ARP_PVLAN_DISABLE', 'MAC_IEEE_MAC_CONTROL', 'BRIDGE_INGRESS_STP_STATE',
  'CAN_RX_INVALID_FRAME', 'CANFD_RX_INVALID_FRAME', 'CANXL_RX_INVALID_FRAME', 'PFMEMALLOC',
  'DUALPI2_STEP_DROP', 'PSP_INPUT', 'PSP_OUTPUT', 'RECURSION_LIMIT',
];

export type DropReasonTable = ReadonlyMap<number, string>;

const SUBSYS_SHIFT = 16;
const SUBSYS_NAMES = ['CORE', 'MAC80211_UNUSABLE', 'OPENVSWITCH'];

export function defaultDropReasonTable(): DropReasonTable {
  return new Map(DROP_REASONS_6_18.map((name, value) => [value, name]));
}

/** Name of a drop reason value; unknown values read `UNKNOWN_<n>` or `<SUBSYS>_<code>`. */
export function dropReasonName(value: number, table: DropReasonTable = DEFAULT_TABLE): string {
  const known = table.get(value);
  if (known !== undefined) return known;
  const subsys = value >>> SUBSYS_SHIFT;
  if (subsys !== 0) {
    const code = value & 0xffff;
    return `${SUBSYS_NAMES[subsys] ?? `SUBSYS${subsys}`}_${code}`;
  }
  return `UNKNOWN_${value}`;
}

const DEFAULT_TABLE = defaultDropReasonTable();
