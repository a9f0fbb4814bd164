/**
 * What `--src`/`--dst` (and a pair of a schedule or an alert rule) may name: a VM's address, or
 * its name as the agents learn it (libvirt domain or QEMU -name: node-agent
 * tracing/vm-name-discovery.ts), which the controller resolves to the VM's address from the
 * agents' inventories (controller/src/probe-target-resolver.ts). Shared by the CLI and the
 * controller so both refuse the same text with the same words.
 */
import { isIP } from 'node:net';
import { MAX_VM_NAME_CHARS } from './agent-status.js';
import { UsageError } from './errors.js';
import { clipForMessage } from './schema-error.js';

/**
 * A VM name as one can give it: 1-256 characters without whitespace, comma or semicolon (they
 * separate pairs: `A,B;C,D`) and not an IP address. A name with those characters is still
 * reported, but must be given by its address.
 */
export function isVmName(text: string): boolean {
  return text.length > 0 && text.length <= MAX_VM_NAME_CHARS && !/[\s,;]/.test(text) && isIP(text) === 0;
}

/** what an endpoint text is: an IP address, or a VM name to resolve */
export type EndpointKind = 'address' | 'name';

/** Throws a UsageError naming `field` unless `text` is an IP address or a VM name. */
export function checkVmEndpoint(text: string, field: string): EndpointKind {
  if (isIP(text) !== 0) return 'address';
  if (isVmName(text)) return 'name';
  throw new UsageError(field, `expected an IPv4 or IPv6 address or a VM name (no spaces, commas or semicolons, at most ${MAX_VM_NAME_CHARS} characters), got '${clipForMessage(text)}'`);
}
