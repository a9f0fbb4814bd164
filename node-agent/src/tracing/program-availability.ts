/**
 * Which optional programs this kernel accepts. fentry, kprobe and module tracepoint programs
 * fail to load on kernels without them (fentry refused, target function or module BTF
 * missing); each is tried alone in a scratch copy of the object so one failure cannot stop
 * the rest from loading, and the kernel's reason is kept for the stage report. Each copy is
 * opened like the real object (openOptions: the same --btf file).
 */
import { errorMessage } from '@xtrace/proto';
import type { NativeModule, OpenObjectOptions } from '@xtrace/native';

export function probeProgramLoads(
  native: NativeModule,
  objectPath: string,
  programs: Iterable<string>,
  openOptions: OpenObjectOptions = {},
): Map<string, string> {
  const unavailable = new Map<string, string>();
  for (const program of programs) {
    const scratch = native.openObject(objectPath, openOptions);
    try {
      for (const p of scratch.programs()) scratch.setAutoload(p.name, p.name === program);
      scratch.load();
    } catch (e: unknown) {
      unavailable.set(program, `does not load on this kernel: ${errorMessage(e)}`);
    } finally {
      scratch.close();
    }
  }
  return unavailable;
}
