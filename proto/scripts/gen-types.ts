/**
 * Generates the TypeScript types of proto/xtrace.proto into proto/src/generated/ with
 * @grpc/proto-loader's proto-loader-gen-types, under the options proto/src/grpc.ts loads the
 * file with (keepCase, longs as numbers, defaults), so each message's `__Output` type is what
 * a gRPC peer decodes. The generated relative imports get their `.js` extension (the repository
 * resolves modules as NodeNext). The output is committed; proto/src/generated-types.test.ts
 * fails when it differs from a fresh generation.
 *
 *   npm run gen:proto -w @xtrace/proto     (after any change to proto/xtrace.proto; runs through tsx)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROTO_DIR = fileURLToPath(new URL('..', import.meta.url));
export const GENERATED_DIR = join(PROTO_DIR, 'src', 'generated');

/** the options of PROTO_LOADER_OPTIONS (proto/src/grpc.ts), as the generator's flags */
const FLAGS = ['--keepCase', '--longs=Number', '--enums=String', '--defaults', '--arrays', '--objects', '--includeComments', '--grpcLib=@grpc/grpc-js'];

const HEADER = '// Generated from proto/xtrace.proto by `npm run gen:proto -w @xtrace/proto`: do not edit.\n';

function generatorPath(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@grpc/proto-loader/package.json');
  const bin = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> }).bin['proto-loader-gen-types']!;
  return join(dirname(pkgPath), bin);
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))]));
}

/** relative imports ('../../xtrace/v1/Segment') -> with the extension NodeNext needs ('.js') */
function withJsExtensions(text: string): string {
  return text.replace(/(from\s+')(\.{1,2}\/[^']+?)(?<!\.js)(')/g, '$1$2.js$3');
}

/** Generates the types into a map of relative path -> contents (no file of the tree is touched). */
export function generateTypes(): Map<string, string> {
  const tmp = mkdtempSync(join(tmpdir(), 'xtrace-gen-types-'));
  try {
    execFileSync(process.execPath, [generatorPath(), ...FLAGS, '-O', tmp, 'xtrace.proto'], { cwd: PROTO_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
    const files = new Map<string, string>();
    for (const rel of listFiles(tmp).sort()) files.set(rel.split('\\').join('/'), HEADER + withJsExtensions(readFileSync(join(tmp, rel), 'utf8')));
    return files;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Replaces proto/src/generated/ with a fresh generation. */
export function writeGeneratedTypes(dir = GENERATED_DIR): Map<string, string> {
  const files = generateTypes();
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return files;
}

/** The committed files, relative path -> contents. */
export function readGeneratedTypes(dir = GENERATED_DIR): Map<string, string> {
  return new Map(listFiles(dir).sort().map((rel) => [rel.split('\\').join('/'), readFileSync(join(dir, rel), 'utf8')]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = writeGeneratedTypes();
  process.stdout.write(`${files.size} files in ${relative(process.cwd(), GENERATED_DIR) || '.'}\n`);
}
