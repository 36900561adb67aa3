import { createHash } from 'node:crypto';
import { normalizeText } from './group-split.ts';
import type { OutcomeRow } from './outcome-rows.ts';

/** The held-out share of outcome rows and the salt of its hash. */
export const OUTCOME_SPLIT = { salt: 'selection-v1', validationPercent: 25 } as const;

/** The split in words, for cards and reports. */
export const OUTCOME_SPLIT_RULE = `a row is held out when the first 4 bytes of sha256("${OUTCOME_SPLIT.salt}:" + its group, or its normalised prompt when it has none), as an integer mod 100, are below ${OUTCOME_SPLIT.validationPercent}; near-duplicate questions (within and across files) share a group`;

/** Whether a row is on the held-out side: the same answer in every file it appears in, since it hashes its group. */
export function isHeldOut(row: OutcomeRow): boolean {
  const key = row.group ?? normalizeText(row.prompt);
  const bucket = createHash('sha256').update(`${OUTCOME_SPLIT.salt}:${key}`).digest().readUInt32BE(0) % 100;
  return bucket < OUTCOME_SPLIT.validationPercent;
}

/** Rows split into training and held-out sides by {@link isHeldOut}. */
export function splitOutcomes(rows: readonly OutcomeRow[]): { train: OutcomeRow[]; heldOut: OutcomeRow[] } {
  const train: OutcomeRow[] = [];
  const heldOut: OutcomeRow[] = [];
  for (const row of rows) (isHeldOut(row) ? heldOut : train).push(row);
  return { train, heldOut };
}
