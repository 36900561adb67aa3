import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A wink-format vector file of a few words in 4 dimensions, most frequent first. */
export function tinySource(dir: string): string {
  const words = ['the', 'cat', 'dog', 'sat', 'mat', 'rug', 'stock', 'market', 'cross-country'];
  const vectors: Record<string, number[]> = {};
  words.forEach((word, i) => {
    vectors[word] = [Math.sin(i + 1), Math.cos(i * 2 + 1), Math.sin(i * 3 + 2), Math.cos(i + 3), 1, i];
  });
  vectors.cat = [1, 0.9, 0, 0.1, 1, 1];
  vectors.dog = [0.9, 1, 0.1, 0, 1, 2];
  const file = join(dir, 'tiny.json');
  writeFileSync(file, JSON.stringify({ precision: 8, dimensions: 4, words, vectors }));
  return file;
}
