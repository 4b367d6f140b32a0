/**
 * The npm package-name rule for the emitted project's name: lower case, URL-safe, optionally scoped.
 * @see https://docs.npmjs.com/cli/v10/configuring-npm/package-json#name
 */

/** An npm package name: `name` or `@scope/name`, lower case, starting with a letter or digit. */
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** True when `value` can be the `name` of an npm package. */
export function isPackageName(value: string): boolean {
  return PACKAGE_NAME.test(value);
}
