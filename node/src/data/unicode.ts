/** Unicode helpers shared by the codecs. */

interface WellFormedString {
  isWellFormed(): boolean;
}

/**
 * True when `s` has no lone surrogate, i.e. it has a UTF-8 form. (ES2024's
 * `String.prototype.isWellFormed`, which Node 24 has but the project's ES2023 lib does not
 * declare.)
 */
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormedString).isWellFormed();
}

/** UTF-8 length in bytes of a well-formed string. */
export function utf8Length(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      len += 4;
      i++;
    } else len += 3;
  }
  return len;
}

/**
 * True when `b[start..end)` is valid UTF-8 as the WHATWG decoder in fatal mode sees it: no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no cut-off
 * sequence. Used to validate without building a string.
 */
export function isValidUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return false;
    if (end - i - 1 < need) return false;
    // Only the first continuation byte has the narrowed range.
    const c1 = b[i + 1] as number;
    if (c1 < lo || c1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const ck = b[i + k] as number;
      if (ck < 0x80 || ck > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}
