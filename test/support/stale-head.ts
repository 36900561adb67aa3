import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HEAD_DIRS } from '../../src/training/head-tasks.ts';

/**
 * A copy of the shipped jailbreak head whose card says it was trained over `encoderId`: what a user
 * has after rebuilding the encoder (e.g. a retrained projection) without retraining the heads.
 * Returns the copy's folder.
 */
export function jailbreakHeadTrainedOver(encoderId: string): string {
  const head = path.join(mkdtempSync(path.join(tmpdir(), 'router-stale-head-')), 'jailbreak');
  cpSync(HEAD_DIRS.jailbreak, head, { recursive: true });
  const cardFile = path.join(head, 'card.json');
  const card = JSON.parse(readFileSync(cardFile, 'utf8'));
  writeFileSync(cardFile, JSON.stringify({ ...card, encoder: { ...card.encoder, id: encoderId } }));
  return head;
}
