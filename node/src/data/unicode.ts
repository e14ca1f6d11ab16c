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
