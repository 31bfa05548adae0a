/**
 * Embeddings, overrides and isolates reorder what follows them on screen: "refunded 10 USD
 * <RLO>DSU 0001" reads as "refunded 10 USD 1000 USD". The marks (LRM, RLM, ALM) only nudge
 * neutral characters and are not among them.
 */
const BIDI_RANGE = '\\u202a-\\u202e\\u2066-\\u2069';
export const BIDI_CONTROLS = new RegExp(`[${BIDI_RANGE}]`, 'u');

// Controls other than tab and line breaks, and the bidirectional controls above.
const HIDDEN = new RegExp(`(?![\\t\\n\\r])[\\p{Cc}${BIDI_RANGE}]`, 'gu');

/**
 * Text shown to people as it was stored, not as it would act: a control or bidirectional
 * character is shown as its code (`\u202e`), so a record written before its input was checked
 * (or by a tool that does not check) cannot reorder or garble what an operator reads.
 */
export function visibleText(text: string): string {
  return text.replace(HIDDEN, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
