import type { SignalSpan } from '../signal.ts';

/**
 * The structured identifiers the detectors find, named as Presidio names them. Names, places and
 * organisations need a trained model and are not detected.
 */
export const PII_TYPES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IP_ADDRESS',
] as const;

export type PiiType = (typeof PII_TYPES)[number];

/** One identifier found in a text: `[start, end)` in UTF-16 code units, `score` in [0, 1]. */
export interface PiiSpan extends SignalSpan {
  type: PiiType;
}

/** The confidence the signal and the plugin require unless a policy says otherwise. */
export const DEFAULT_PII_MIN_CONFIDENCE = 0.5;
