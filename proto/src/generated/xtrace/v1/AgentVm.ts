// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.
// Original file: xtrace.proto


export interface AgentVm {
  'tap'?: (string);
  'addresses'?: (string)[];
  /**
   * "" when the agent knows no name (libvirt, QEMU -name)
   */
  'name'?: (string);
}

export interface AgentVm__Output {
  'tap': (string);
  'addresses': (string)[];
  /**
   * "" when the agent knows no name (libvirt, QEMU -name)
   */
  'name': (string);
}
