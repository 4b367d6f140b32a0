/**
 * A bound on what parsing a request body can build, checked on its text before JSON.parse (RFC 8259 §9 lets a parser
 * limit the size and nesting depth of the texts it accepts).
 *
 * Parsed JSON costs far more than its text: 1 MiB of `[{},{},…]` is about 21 MiB of objects, 1 MiB of `{"a":0,…}`
 * about 9 MiB. Counting the values and members a text can hold (one per `,` `:` `[` `{` outside strings) bounds the
 * parsed size at about 80 bytes per item, whatever their shape.
 */

/** Values and members one body may hold: at ≤80 bytes each, at most ~4 MiB once parsed. */
export const MAX_JSON_ITEMS = 50_000;
/** Nesting depth of one body; the JSON-RPC envelope takes 3 levels, tool arguments rarely more than 10. */
export const MAX_JSON_DEPTH = 64;

/** What is wrong with the shape of `text`, or undefined when it is within the limits (its syntax is not checked). */
export function jsonShapeProblem(text: string, maxItems = MAX_JSON_ITEMS, maxDepth = MAX_JSON_DEPTH): 'items' | 'depth' | undefined {
  let items = 0;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c /* \ */) index++;
      else if (char === 0x22 /* " */) inString = false;
      continue;
    }
    switch (char) {
      case 0x22 /* " */:
        inString = true;
        break;
      case 0x5b /* [ */:
      case 0x7b /* { */:
        if (++depth > maxDepth) return 'depth';
        if (++items > maxItems) return 'items';
        break;
      case 0x5d /* ] */:
      case 0x7d /* } */:
        depth--;
        break;
      case 0x2c /* , */:
      case 0x3a /* : */:
        if (++items > maxItems) return 'items';
        break;
    }
  }
  return undefined;
}
