import { textWindows, type WindowConfig } from '../models/heads/text-windows.ts';
import type { LabeledText } from './labeled-text.ts';

/** Source of the rows made here, `windowed:<kind>`. */
const WINDOW_SOURCE = 'windowed';

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

/** The window of `config.chars` characters of `text` around `[start, end)`, at a random offset. */
function windowAround(
  text: string,
  start: number,
  end: number,
  config: WindowConfig,
  random: () => number,
): string {
  const room = Math.max(0, config.chars - (end - start));
  const from = Math.max(0, Math.min(text.length - config.chars, start - Math.floor(random() * room)));
  return text.slice(from, from + config.chars);
}

/**
 * Training rows for a head that also reads long texts in windows: every window of a long benign
 * row (benign: no part of a benign text is an attack); for an attack row that is a benign row of
 * its group with an instruction inserted, one window of the size the runtime reads placed around
 * the insertion at a random offset (the attack's label); and `planted` more such windows made here,
 * each a short attack row put between two paragraphs or lines of a random long benign row. Windows
 * of other attack rows are not labelled: which window holds the attack is unknown.
 */
export function windowRows(
  rows: readonly LabeledText[],
  config: WindowConfig,
  negativeLabel: string,
  random: () => number,
  planted = 0,
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
    out.push({
      text: windowAround(row.text, inserted.start, inserted.end, config, random),
      label: row.label,
      source: `${WINDOW_SOURCE}:inserted`,
    });
  }
  const hosts = rows.filter((row) => row.label === negativeLabel && row.text.length > config.chars);
  const attacks = rows.filter((row) => row.label !== negativeLabel && row.text.length <= 300);
  for (let i = 0; i < planted && hosts.length > 0 && attacks.length > 0; i++) {
    const host = (hosts[Math.floor(random() * hosts.length)] as LabeledText).text;
    const attack = attacks[Math.floor(random() * attacks.length)] as LabeledText;
    const breaks = [...host.matchAll(/\n+/g)].map((m) => m.index);
    const at =
      breaks.length > 0
        ? (breaks[Math.floor(random() * breaks.length)] as number)
        : host.lastIndexOf(' ', Math.floor(random() * host.length));
    const cut = Math.max(0, at);
    const text = `${host.slice(0, cut)}\n${attack.text}\n${host.slice(cut)}`;
    out.push({
      text: windowAround(text, cut + 1, cut + 1 + attack.text.length, config, random),
      label: attack.label,
      source: `${WINDOW_SOURCE}:planted`,
    });
  }
  return out;
}
