/** A HostInterface for stage-plan tests: no MAC, no addresses, an optional bridge/OVS master. */
import type { HostInterface } from '../tracing/tracer-api.js';

export const testInterface = (name: string, ifindex: number, kind: HostInterface['kind'], master?: string): HostInterface => ({
  name,
  ifindex,
  kind,
  mac: '',
  addresses: [],
  ...(master ? { master } : {}),
});
