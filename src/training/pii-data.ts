import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA_DIR } from './dataset-readers.ts';

/** Presidio's synthetic PII sentences, the shared training data of the PII detectors. */
export const DEFAULT_PII_DATA = join(SHARED_DATA_DIR, 'pii', 'train_presidio_synth.jsonl');

/** One gold span: `[start, end)` in UTF-16 code units, typed as the data names it (e.g. `GPE`). */
export interface GoldSpan {
  type: string;
  start: number;
  end: number;
}

/** One sentence of the data, with the template it was made from. */
export interface PiiRow {
  id: string;
  text: string;
  templateId: number;
  spans: GoldSpan[];
}

/** Reads the JSON lines (`id`, `text`, `template_id`, `spans` of `entity_type`, `start_position`, `end_position`). */
export function readPiiRows(file: string = DEFAULT_PII_DATA): PiiRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const raw = JSON.parse(line) as {
        id: string;
        text: string;
        template_id: number;
        spans: { entity_type: string; start_position: number; end_position: number }[];
      };
      return {
        id: raw.id,
        text: raw.text,
        templateId: raw.template_id,
        spans: raw.spans.map((s) => ({ type: s.entity_type, start: s.start_position, end: s.end_position })),
      };
    });
}

function templateHash(templateId: number): string {
  return createHash('sha256').update(String(templateId)).digest('hex');
}

/**
 * The templates held out for validation: deterministic, and independent of the file's order. Rows
 * are split by template, so sentences made from one template are all on one side. The split is
 * stratified, because most entity types occur in only a few templates: each template is filed
 * under the rarest type it contains (or none), templates of each stratum are ordered by a hash of
 * their id, and every fourth one, starting with the first, is held out; the rest is the
 * development split, which the name tagger trains on.
 */
export function validationTemplates(rows: readonly PiiRow[]): Set<number> {
  const typesOf = new Map<number, Set<string>>();
  for (const row of rows) {
    const types = typesOf.get(row.templateId) ?? new Set();
    for (const span of row.spans) types.add(span.type);
    typesOf.set(row.templateId, types);
  }
  const templatesWith = new Map<string, number>();
  for (const types of typesOf.values())
    for (const t of types) templatesWith.set(t, (templatesWith.get(t) ?? 0) + 1);
  const strata = new Map<string, number[]>();
  for (const [template, types] of typesOf) {
    const rarest = [...types].sort(
      (a, b) => (templatesWith.get(a) ?? 0) - (templatesWith.get(b) ?? 0) || a.localeCompare(b),
    )[0];
    const stratum = rarest ?? 'none';
    strata.set(stratum, [...(strata.get(stratum) ?? []), template]);
  }
  const held = new Set<number>();
  for (const templates of strata.values()) {
    templates.sort((a, b) => templateHash(a).localeCompare(templateHash(b)));
    templates.forEach((template, i) => {
      if (i % 4 === 0) held.add(template);
    });
  }
  return held;
}
