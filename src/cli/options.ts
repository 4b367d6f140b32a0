/** Command-line flags → generator options: pure, so it can be tested without a process. */
import { isAbsolute } from 'node:path';
import { DEFAULT_MAX_SPEC_MIB, MAX_JSON_CHARS, mibToBytes } from '../load/limits.js';
import { isPackageName } from '../shared/package-name.js';

/** The largest --max-spec-size: a document bigger than its JSON limit (limits.ts) could not be processed anyway. */
const MAX_SPEC_SIZE_MIB = MAX_JSON_CHARS / (1024 * 1024);

export interface GenerateFlags {
  readonly out?: string;
  readonly config?: string;
  readonly name?: string;
  readonly quiet?: boolean;
  readonly allowRemoteRefs?: boolean;
  readonly maxSpecSize?: string;
  readonly strict?: boolean;
  readonly force?: boolean;
  readonly failOnSecurityChange?: boolean;
  readonly watch?: boolean;
  readonly verbose?: boolean;
  readonly report?: string;
}

export interface GenerateCommand {
  readonly spec: string;
  readonly outDir: string;
  readonly configFile?: string;
  readonly name?: string;
  readonly quiet: boolean;
  readonly allowRemoteRefs: boolean;
  /** Largest file read (the spec and each file it references), in bytes. */
  readonly maxSpecBytes: number;
  readonly strict: boolean;
  /** Overwrite (or delete) generator-owned files even when edited by hand. */
  readonly force: boolean;
  /** Exit 1 when the change loosens authorization or widens what the server can do. */
  readonly failOnSecurityChange: boolean;
  readonly watch: boolean;
  /** Print every warning, not only the first ten of each code. */
  readonly verbose: boolean;
  /** Write every issue (warnings and errors) to this file, one JSON object a line. */
  readonly reportFile?: string;
}

/** Validates flags; returns the command or a usage message. */
export function toGenerateCommand(spec: string, flags: GenerateFlags): GenerateCommand | { readonly usage: string } {
  if (!flags.out) return { usage: 'missing --out <dir>: the folder to write the server into, e.g. --out generated/petstore' };
  if (flags.name !== undefined && !isPackageName(flags.name)) {
    return { usage: `--name ${JSON.stringify(flags.name)} is not a valid npm package name, e.g. --name petstore-mcp` };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^https?:\/\//i.test(spec) && !isAbsolute(spec)) {
    return { usage: `the spec must be a local file or an http(s) URL, got ${JSON.stringify(spec)}` };
  }
  const maxSpecMib = flags.maxSpecSize === undefined ? DEFAULT_MAX_SPEC_MIB : Number(flags.maxSpecSize);
  if (!/^\d+$/.test(flags.maxSpecSize ?? '1') || !Number.isSafeInteger(maxSpecMib) || maxSpecMib < 1 || maxSpecMib > MAX_SPEC_SIZE_MIB) {
    return { usage: `--max-spec-size ${JSON.stringify(flags.maxSpecSize)} is not a whole number of MiB from 1 to ${MAX_SPEC_SIZE_MIB}, e.g. --max-spec-size 200` };
  }
  return {
    spec,
    outDir: flags.out,
    ...(flags.config ? { configFile: flags.config } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    quiet: flags.quiet ?? false,
    allowRemoteRefs: flags.allowRemoteRefs ?? false,
    maxSpecBytes: mibToBytes(maxSpecMib),
    strict: flags.strict ?? false,
    force: flags.force ?? false,
    failOnSecurityChange: flags.failOnSecurityChange ?? false,
    watch: flags.watch ?? false,
    verbose: flags.verbose ?? false,
    ...(flags.report ? { reportFile: flags.report } : {}),
  };
}
