import type { SignalSpan } from '../signal.ts';

/** The structured identifiers the rule-based detectors find, named as Presidio names them. */
export const STRUCTURED_PII_TYPES = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IP_ADDRESS',
] as const;

/**
 * The named entities the trained tagger finds (`models/pii-names`): people, places (cities,
 * countries, regions), street addresses and organisations.
 */
export const NAME_PII_TYPES = ['PERSON', 'LOCATION', 'STREET_ADDRESS', 'ORGANIZATION'] as const;

/** Every type a `pii` signal or plugin may name. */
export const PII_TYPES = [...STRUCTURED_PII_TYPES, ...NAME_PII_TYPES] as const;

export type StructuredPiiType = (typeof STRUCTURED_PII_TYPES)[number];
export type NamePiiType = (typeof NAME_PII_TYPES)[number];
export type PiiType = (typeof PII_TYPES)[number];

/** Whether a type is one the name tagger finds. */
export function isNameType(type: PiiType): type is NamePiiType {
  return (NAME_PII_TYPES as readonly string[]).includes(type);
}

/** One identifier found in a text: `[start, end)` in UTF-16 code units, `score` in [0, 1]. */
export interface PiiSpan extends SignalSpan {
  type: PiiType;
}

/** The confidence the signal and the plugin require unless a policy says otherwise. */
export const DEFAULT_PII_MIN_CONFIDENCE = 0.5;
