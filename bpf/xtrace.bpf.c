// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xtrace: timestamps the packets of active probes at every stage of the VM-to-VM path.
 * One object, every hook kind; the agent chooses per stage which programs to load and
 * attach (hook fallbacks) and fills xt_stages with what each attached device is.
 */
#include "common.h"
#include "progs/tc.h"
#include "progs/net-tracepoints.h"
#include "progs/drops.h"
#include "progs/tun.h"
#include "progs/ovs.h"
#include "progs/vhost-net.h"
#include "progs/kvm-irq.h"
#include "progs/batch-flush.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
