import { z } from 'zod';
import { type EditableInput, editedInput } from './editable-input.js';
import { isReadableText, UNREADABLE_TEXT } from './readable-text.js';

/** Refusal carried by the issue of an amount above the charge, so the API can name it. */
export const ABOVE_CHARGED = 'edit_amount_above_charged';

const NOTE_MAX_CHARS = 500;

/**
 * A refund may be made smaller (part of the money was already returned another way, a fee the
 * customer agreed to) and carry a note for the provider's records. It can never be larger than
 * the charge, in another currency or against another charge: those would move money the order
 * never took, or to someone else.
 */
export const REFUND_EDIT: EditableInput = {
  fields(saga) {
    const edited = editedInput(saga, 'refund_payment');
    const charged = saga.context.totalCents;
    return [
      {
        name: 'chargeId',
        label: 'Charge',
        kind: 'text',
        value: saga.context.chargeId ?? null,
        readOnly: true,
        hint: 'the refund goes back to this charge and nowhere else',
      },
      {
        name: 'currency',
        label: 'Currency',
        kind: 'text',
        value: saga.context.currency ?? null,
        readOnly: true,
        hint: 'the currency of the charge',
      },
      {
        name: 'amountCents',
        label: 'Refund amount (cents)',
        kind: 'cents',
        // Unedited, the request names no amount: the provider refunds what is still refundable.
        value: edited?.['amountCents'] ?? charged ?? null,
        readOnly: false,
        ...(charged === undefined ? {} : { max: charged }),
        hint: 'at most the amount charged; the provider also refuses more than is still refundable',
      },
      {
        name: 'note',
        label: 'Note for the payment provider',
        kind: 'text',
        value: edited?.['note'] ?? null,
        readOnly: false,
        hint: `sent with the refund, up to ${NOTE_MAX_CHARS} characters`,
      },
    ];
  },
  schema(saga) {
    const charged = saga.context.totalCents ?? 0;
    return z
      .object({
        amountCents: z
          .number()
          .int()
          .min(1)
          .refine((cents) => cents <= charged, {
            message: `must not exceed the ${charged} cents charged`,
            params: { refusal: ABOVE_CHARGED },
          })
          .optional(),
        note: z
          .string()
          .trim()
          .min(1)
          .max(NOTE_MAX_CHARS)
          .refine(isReadableText, { message: UNREADABLE_TEXT })
          .optional(),
      })
      .strict();
  },
};
