import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Words of three topics, for small custom heads that are easy to learn. */
const TOPIC_WORDS: Record<string, string[]> = {
  cooking: ['recipe', 'oven', 'bake', 'flour', 'sauce', 'simmer'],
  code: ['function', 'compile', 'python', 'bug', 'variable', 'loop'],
  travel: ['flight', 'hotel', 'passport', 'beach', 'museum', 'train'],
};

/** Writes 150 labelled lines `{text, label}` about the three topics into `dir`; returns the file. */
export function writeTopicData(dir: string): string {
  const lines: string[] = [];
  for (let i = 0; i < 150; i++) {
    const [label, words] = Object.entries(TOPIC_WORDS)[i % 3] as [string, string[]];
    const text = `question ${i}: tell me about the ${words[i % 6]} and the ${words[(i + 2) % 6]}`;
    lines.push(JSON.stringify({ text, label }));
  }
  const file = join(dir, 'data.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
