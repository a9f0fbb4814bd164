import { Option } from 'commander';

/** --btf FILE (env XTRACE_BTF): the kernel's BTF from a file, for kernels without /sys/kernel/btf/vmlinux (node-agent btf-source.ts). */
export function btfOption(): Option {
  return new Option(
    '--btf <file>',
    "the kernel's BTF from this file instead of /sys/kernel/btf/vmlinux, for kernels built without it (e.g. RHEL 8, Ubuntu 20.04: a BTFHub file for `uname -r`); used to load BPF and for drop-reason names",
  ).env('XTRACE_BTF');
}
