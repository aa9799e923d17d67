/**
 * How deeply a JSON text nests objects and arrays, read from the text itself
 * in one pass with no recursion, so that a body nested thousands of levels
 * deep is refused before any parser, validator or hash walks it (a recursive
 * walk of such a value overflows the stack). Brackets inside strings are text.
 * The text need not be valid JSON: the parser judges that afterwards.
 */

/** True when `text` opens more than `depthMax` objects or arrays inside one another; stops reading at the first level too deep. */
export function jsonNestsDeeperThan(text: string, depthMax: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index += 1;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      depth += 1;
      if (depth > depthMax) return true;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      depth -= 1;
    }
  }
  return false;
}
