import { BIDI_CONTROLS } from '@edge/common';

/**
 * Free text an operator writes for people (an audit reason, a note sent to a provider): it must
 * hold something readable. Text of only invisible characters reads as empty in the audit log and
 * the provider's records; control characters (an ANSI escape, a NUL) garble terminals, logs and
 * exports; bidirectional overrides make the text read as something else than was stored; an
 * unpaired surrogate is not text at all, and a provider may refuse it after we accepted the edit.
 */
export function isReadableText(text: string): boolean {
  // Line breaks and tabs are writing (the page's reason is a textarea); other controls are not.
  // In a /u pattern a surrogate pair is one code point, so \p{Cs} only finds unpaired halves.
  const writing = text.replace(/[\t\n\r]/g, ' ');
  return (
    !/[\p{Cc}\p{Cs}]/u.test(writing) &&
    !BIDI_CONTROLS.test(writing) &&
    /[^\p{Z}\p{Cf}]/u.test(writing)
  );
}

export const UNREADABLE_TEXT = 'must contain readable text, no control or broken characters';
