import { textWindows, type WindowConfig } from '../models/heads/text-windows.ts';
import type { LabeledText } from './labeled-text.ts';

/** Source of the rows made here, `windowed:<kind>`. */
export const WINDOW_SOURCE = 'windowed';

/**
 * Where an attack row differs from the benign row of its group by one insertion (a document and
 * the same document with an instruction put into it, as in BIPIA): the inserted stretch, else
 * undefined.
 */
export function insertedStretch(clean: string, attacked: string): { start: number; end: number } | undefined {
  if (attacked.length <= clean.length) return undefined;
  let prefix = 0;
  while (prefix < clean.length && clean.charCodeAt(prefix) === attacked.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < clean.length - prefix &&
    clean.charCodeAt(clean.length - 1 - suffix) === attacked.charCodeAt(attacked.length - 1 - suffix)
  )
    suffix++;
  if (prefix + suffix !== clean.length) return undefined;
  return { start: prefix, end: attacked.length - suffix };
}

/**
 * Training rows for a head that also reads long texts in windows: every window of a long benign
 * row (benign: no part of a benign text is an attack), and, for an attack row that is a benign row
 * of its group with an instruction inserted, one window of the size the runtime reads placed
 * around the insertion at a random offset (the attack's label). Windows of other attack rows are
 * not labelled: which window holds the attack is unknown.
 */
export function windowRows(
  rows: readonly LabeledText[],
  config: WindowConfig,
  negativeLabel: string,
  random: () => number,
): LabeledText[] {
  const out: LabeledText[] = [];
  const cleanOf = new Map<string, string>();
  for (const row of rows) {
    if (row.label === negativeLabel && row.group !== undefined) cleanOf.set(row.group, row.text);
    if (row.label !== negativeLabel) continue;
    for (const window of textWindows(row.text, config))
      out.push({
        text: row.text.slice(window.start, window.end),
        label: row.label,
        source: `${WINDOW_SOURCE}:benign`,
      });
  }
  for (const row of rows) {
    if (row.label === negativeLabel || row.group === undefined) continue;
    const clean = cleanOf.get(row.group);
    if (clean === undefined || row.text.length <= config.chars) continue;
    const inserted = insertedStretch(clean, row.text);
    if (inserted === undefined) continue;
    const room = Math.max(0, config.chars - (inserted.end - inserted.start));
    const start = Math.max(
      0,
      Math.min(row.text.length - config.chars, inserted.start - Math.floor(random() * room)),
    );
    out.push({
      text: row.text.slice(start, start + config.chars),
      label: row.label,
      source: `${WINDOW_SOURCE}:inserted`,
    });
  }
  return out;
}
