import { describe, expect, it } from 'vitest';
import { emptyPlan, type SystemPromptMode } from '../plugins/plugin.ts';
import { rewriteBody } from './rewrite-body.ts';

function rewrite(messages: unknown[], mode?: SystemPromptMode) {
  const plan = emptyPlan();
  if (mode) plan.systemPrompt = { text: 'NEW', mode };
  const out = rewriteBody({ model: 'auto', messages, temperature: 0.2 }, 'm', plan);
  return out ? JSON.parse(out.toString()) : undefined;
}

const USER = { role: 'user', content: 'hi' };
const SYSTEM = { role: 'system', content: 'OLD' };

describe('rewriteBody', () => {
  it('sets the model and keeps every other field', () => {
    expect(rewrite([USER])).toEqual({ model: 'm', messages: [USER], temperature: 0.2 });
  });

  it('returns nothing when nothing changes', () => {
    expect(rewriteBody({ model: 'm', messages: [USER] }, 'm', emptyPlan())).toBeUndefined();
  });

  it.each([
    { mode: 'replace', messages: [SYSTEM, USER], first: { role: 'system', content: 'NEW' } },
    { mode: 'prepend', messages: [SYSTEM, USER], first: { role: 'system', content: 'NEW\n\nOLD' } },
    { mode: 'append', messages: [SYSTEM, USER], first: { role: 'system', content: 'OLD\n\nNEW' } },
    { mode: 'insert-if-missing', messages: [SYSTEM, USER], first: SYSTEM },
    { mode: 'insert-if-missing', messages: [USER], first: { role: 'system', content: 'NEW' } },
    { mode: 'replace', messages: [USER], first: { role: 'system', content: 'NEW' } },
    {
      mode: 'append',
      messages: [{ role: 'developer', content: [{ type: 'text', text: 'OLD' }] }, USER],
      first: {
        role: 'developer',
        content: [
          { type: 'text', text: 'OLD' },
          { type: 'text', text: 'NEW' },
        ],
      },
    },
  ] as { mode: SystemPromptMode; messages: unknown[]; first: unknown }[])(
    '$mode on $messages.length messages',
    ({ mode, messages, first }) => {
      const body = rewrite(messages, mode);
      expect(body.messages[0]).toEqual(first);
      expect(body.messages.at(-1)).toEqual(USER);
    },
  );
});
