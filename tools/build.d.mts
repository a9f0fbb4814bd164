/** compiles the production TypeScript to build/ (see build.mjs); returns the build's directory */
export declare function build(options?: { quiet?: boolean }): string;
