import { describe, expect, it } from 'vitest';
import { MULTILINGUAL_SENTENCES, multilingualRows } from './multilingual-injections.ts';

describe('multilingual training rows', () => {
  it('give every language the same number of injections and benign requests', () => {
    for (const { language, injections, benign } of MULTILINGUAL_SENTENCES) {
      expect(injections.length, language).toBe(6);
      expect(benign.length, language).toBe(6);
      expect(new Set([...injections, ...benign]).size, language).toBe(12);
    }
  });

  it('label an injection before or after a benign request an injection, and two benign requests benign', () => {
    const rows = multilingualRows();
    const [german] = MULTILINGUAL_SENTENCES;
    const injection = german?.injections[0] as string;
    const request = german?.benign[0] as string;
    const other = german?.benign[1] as string;
    const labelOf = (text: string) => rows.find((row) => row.text === text)?.label;
    expect(labelOf(injection)).toBe('injection');
    expect(labelOf(`${injection} ${request}`)).toBe('injection');
    expect(labelOf(`${request} ${injection}`)).toBe('injection');
    expect(labelOf(request)).toBe('benign');
    expect(labelOf(`${request} ${other}`)).toBe('benign');
    expect(labelOf(`${request} ${request}`)).toBeUndefined();
  });

  it('count per language: 6 + 72 injections and 6 + 30 benign rows, all distinct', () => {
    const rows = multilingualRows();
    const languages = MULTILINGUAL_SENTENCES.length;
    expect(rows.filter((row) => row.label === 'injection')).toHaveLength(78 * languages);
    expect(rows.filter((row) => row.label === 'benign')).toHaveLength(36 * languages);
    expect(new Set(rows.map((row) => row.text)).size).toBe(rows.length);
  });
});
