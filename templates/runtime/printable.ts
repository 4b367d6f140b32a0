/** Text made safe for one-line messages (spec text, an authorization server's answers): no control characters, at most 200 characters. */
export function printable(text: string): string {
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
