/**
 * CPU cost of one evaluation of the text signals, per prompt size: `npm run bench:signals`.
 *
 * Every evaluation gets a fresh request, so what is measured includes the work a request shares
 * between signals (joining the scope's text, PII detection, language detection) the first time it is
 * needed. The keyword signal is measured alongside as a reference. Each figure is the median of rounds.
 */

import { sharedModelLibrary } from '../src/models/shared-model-library.ts';
import { createSignalContext } from '../src/policy/compile.ts';
import { parseChatRequest } from '../src/request/chat-request.ts';
import { RouterRequest } from '../src/request/router-request.ts';
import { keywordSignal } from '../src/signals/keyword.ts';
import { languageSignal } from '../src/signals/language.ts';
import { PII_TYPES } from '../src/signals/pii/pii-types.ts';
import { piiSignal } from '../src/signals/pii.ts';
import type { Signal, SignalDefinition } from '../src/signals/signal.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function build(definition: SignalDefinition, params: Record<string, unknown>): Signal {
  const parsed = definition.params.parse(params) as Record<string, unknown>;
  const problems = definition.validate?.(parsed) ?? [];
  if (problems.length > 0) throw new Error(problems.join('; '));
  return definition.create(
    parsed,
    createSignalContext({ type: 'static' }, sharedModelLibrary(), process.cwd()),
  );
}

const SIGNALS: [string, Signal][] = [
  ['keyword (reference)', build(keywordSignal, { words: ['python', 'rust', 'sql', 'debug'] })],
  ['pii', build(piiSignal, {})],
  ['pii with names', build(piiSignal, { entities: [...PII_TYPES] })],
  ['language', build(languageSignal, { languages: ['en'] })],
];

function fourKilobytes(text: string): string {
  return text.repeat(Math.ceil(4096 / text.length)).slice(0, 4096);
}

const REPORT =
  'The quarterly results show steady growth across all regions, with particular strength in services. ';
const NUMBERS =
  'Revenue rose 12.5% to 1,234,567 USD in Q3 2024 (see table 4.2, rows 10-18); version 10.4.1 shipped on 2024-05-17 at 09:30. ';
const CONTACT = 'Contact Jane at jane.doe@example.com or +1 415 555 0132; card 4111 1111 1111 1111. ';

const PROMPTS: [string, string][] = [
  ['short', 'Write a Python function that merges two sorted lists and explain its complexity.'],
  ['short, with PII', 'Email jane.doe@example.com or call +1 415 555 0132 about my order.'],
  ['4 KB prose', fourKilobytes(REPORT)],
  ['4 KB numbers', fourKilobytes(NUMBERS)],
  ['4 KB numbers and PII', fourKilobytes(NUMBERS + CONTACT)],
];

function requests(prompt: string, count: number): RouterRequest[] {
  const body = Buffer.from(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: prompt }] }));
  return Array.from(
    { length: count },
    (_, i) => new RouterRequest(String(i), new Map(), parseChatRequest(body)),
  );
}

function microsPerEvaluation(signal: Signal, prompt: string): number {
  const count = prompt.length > 1000 ? 2000 : 10_000;
  const batch = requests(prompt, count);
  const started = performance.now();
  for (const request of batch) signal.evaluate(request);
  return ((performance.now() - started) * 1000) / count;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

// Warm up every signal on every prompt so the JIT has settled before measuring.
for (const [, signal] of SIGNALS) for (const [, prompt] of PROMPTS) microsPerEvaluation(signal, prompt);

const rows: string[] = [];
for (const [promptName, prompt] of PROMPTS) {
  const figures = SIGNALS.map(([, signal]) => {
    const rounds = Array.from({ length: ROUNDS }, () => microsPerEvaluation(signal, prompt));
    return median(rounds).toFixed(2);
  });
  rows.push(`| ${promptName} | ${prompt.length} | ${figures.join(' | ')} |`);
}
console.log(`| prompt | chars | ${SIGNALS.map(([name]) => `${name} µs`).join(' | ')} |`);
console.log(`|---|---|${SIGNALS.map(() => '---').join('|')}|`);
for (const row of rows) console.log(row);
