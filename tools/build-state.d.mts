export declare const ROOT: string;
export declare const BUILD_LINK: string;
export declare const STAMP_NAME: string;
export declare const STAMP_VERSION: number;
export declare function sha1(bytes: Uint8Array): string;
export declare function buildState(root?: string): { fresh: true; dir: string } | { fresh: false; reason: string };
export declare function compiledUrl(sourceRel: string, root?: string): { url: string } | { url: undefined; reason: string };
/** the compiled twin's path of a source file (repo-relative .ts); throws when the build is stale */
export declare function requireCompiled(sourceRel: string, root?: string): string;
