/**
 * The command line of a hypervisor's QEMU (an outer VM, emulated by TCG).
 *
 * * TCG with one vCPU and one thread: nested KVM inside works only with one outer vCPU, and
 *   multi-threaded TCG oopsed during kernel text patching (the recipe's findings).
 * * Root: the machine's / over virtio-9p, read-only (the initramfs puts a tmpfs overlay on it);
 *   the job directory over 9p, read-write, mounted at the same path inside.
 * * Management NIC: QEMU user networking with restrict=on, so nothing leaves it but the one
 *   guestfwd rule, which hands each connection to NATS_FORWARD to a `socat` (one per
 *   connection, tagged with -lp<name> so teardown finds it) connected to the host's NATS on
 *   127.0.0.1. No DNS, no route out.
 * * Underlay NIC: a point-to-point UDP socket netdev on 127.0.0.1 to the other hypervisor's
 *   (frames as datagrams; no vnet header, so the guest does its own segmentation), with
 *   host_mtu advertising UNDERLAY_MTU.
 * * Control channel: a virtio-serial port named xtrace.control on a unix socket (QEMU listens).
 */
import { MGMT_GATEWAY, MGMT_NET, NATS_FORWARD, UNDERLAY_MTU, mgmtMac, underlayMac } from './addresses.js';

interface HypervisorQemuOptions {
  index: number;
  /** xn<id>-hv<i>: QEMU's -name and process name, and the socat tag */
  name: string;
  vmlinuz: string;
  initramfs: string;
  /** the fetched kernel's root (modules are bound from there) */
  kernelRoot: string;
  /** hypervisor-init.sh */
  init: string;
  jobDir: string;
  controlSocket: string;
  consoleLog: string;
  memoryMb: number;
  /** the host's NATS on 127.0.0.1 */
  natsPort: number;
  underlay: { localPort: number; peerPort: number };
}

export function hypervisorQemuArgv(o: HypervisorQemuOptions): string[] {
  const append = [
    'console=ttyS0',
    'quiet',
    'loglevel=3',
    'panic=-1',
    'nokaslr',
    'mitigations=off',
    `xn.init=${o.init}`,
    `xn.job=${o.jobDir}`,
    `xn.kroot=${o.kernelRoot}`,
  ].join(' ');
  const forward = `guestfwd=tcp:${NATS_FORWARD.ip}:${NATS_FORWARD.port}-cmd:socat -lp${o.name} - TCP:127.0.0.1:${o.natsPort}`;
  const [net, prefix] = MGMT_NET.split('/');
  return [
    'qemu-system-x86_64',
    '-name', `${o.name},process=${o.name}`,
    '-accel', 'tcg,thread=single',
    '-cpu', 'max',
    '-machine', 'q35',
    '-smp', '1',
    '-m', String(o.memoryMb),
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-chardev', `file,id=console,path=${o.consoleLog}`,
    '-serial', 'chardev:console',
    '-kernel', o.vmlinuz,
    '-initrd', o.initramfs,
    '-append', append,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${o.jobDir},mount_tag=job,security_model=none,multidevs=remap`,
    '-netdev', `user,id=mgmt,restrict=on,net=${net}/${prefix},host=${MGMT_GATEWAY},${forward}`,
    '-device', `virtio-net-pci,netdev=mgmt,mac=${mgmtMac(o.index)}`,
    '-netdev', `socket,id=underlay,udp=127.0.0.1:${o.underlay.peerPort},localaddr=127.0.0.1:${o.underlay.localPort}`,
    '-device', `virtio-net-pci,netdev=underlay,mac=${underlayMac(o.index)},host_mtu=${UNDERLAY_MTU}`,
    '-device', 'virtio-serial-pci',
    '-chardev', `socket,id=control,path=${o.controlSocket},server=on,wait=off`,
    '-device', 'virtserialport,chardev=control,name=xtrace.control',
  ];
}
