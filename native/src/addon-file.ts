/**
 * Where the compiled addon is, in the node-gyp-build / prebuildify convention: a local build
 * (`build/Release`, what `npm run build -w @xtrace/native` makes in a checkout) wins, so a
 * developer's rebuild is never shadowed; else the prebuilt binary a release ships in
 * `prebuilds/<platform>-<arch>/` (scripts/release/build-release.ts puts it there, and a
 * release has no build/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ADDON_FILE_NAME = 'xtrace_native.node';

/** The places the addon may be, best first, under the package directory `packageDir`. */
export function addonCandidates(packageDir: string, platform: string = process.platform, arch: string = process.arch): string[] {
  return [join(packageDir, 'build', 'Release', ADDON_FILE_NAME), join(packageDir, 'prebuilds', `${platform}-${arch}`, ADDON_FILE_NAME)];
}

/** The first candidate that exists, or undefined when the addon is neither built nor prebuilt. */
export function findAddonFile(packageDir: string, platform?: string, arch?: string): string | undefined {
  return addonCandidates(packageDir, platform, arch).find((file) => existsSync(file));
}
