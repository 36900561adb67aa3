import { describe, expect, it } from 'vitest';
import { emptyPlan, type ReasoningEffort, type RoutePlan, type SystemPromptMode } from '../plugins/plugin.ts';
import type { ReasoningFamily } from '../selection/model-spec.ts';
import type { SignalSpan } from '../signals/signal.ts';
import { rewriteBody } from './rewrite-body.ts';

function rewrite(messages: unknown[], mode?: SystemPromptMode) {
  const plan = emptyPlan();
  if (mode) plan.systemPrompt = { text: 'NEW', mode };
  const out = rewriteBody({ model: 'auto', messages, temperature: 0.2 }, 'm', plan);
  return JSON.parse(out.toString());
}

const USER = { role: 'user', content: 'hi' };
const SYSTEM = { role: 'system', content: 'OLD' };

describe('rewriteBody', () => {
  it('sets the model and keeps every other field', () => {
    expect(rewrite([USER])).toEqual({ model: 'm', messages: [USER], temperature: 0.2 });
  });

  it('returns nothing when nothing changes', () => {
    // Written anew from the parsed body even then, so the backend reads what the router checked.
    expect(JSON.parse(rewriteBody({ model: 'm', messages: [USER] }, 'm', emptyPlan()).toString())).toEqual({
      model: 'm',
      messages: [USER],
    });
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

describe('rewriteBody with redactions', () => {
  const span = (type: string, start: number, end: number): SignalSpan => ({ type, start, end, score: 1 });

  function redact(messages: unknown[], redactions: [number, SignalSpan[]][], extra: Partial<RoutePlan> = {}) {
    const plan = { ...emptyPlan(), redactions: new Map(redactions), ...extra };
    const out = rewriteBody({ model: 'm', messages }, 'm', plan);
    return JSON.parse(out.toString()).messages;
  }

  it.each([
    {
      name: 'string content',
      messages: [{ role: 'user', content: 'mail a@b.co or call 555-0132 now' }],
      redactions: [[0, [span('EMAIL_ADDRESS', 5, 11), span('PHONE_NUMBER', 20, 28)]]],
      expected: [{ role: 'user', content: 'mail [EMAIL_ADDRESS] or call [PHONE_NUMBER] now' }],
    },
    {
      name: 'the whole content',
      messages: [{ role: 'tool', content: '10.0.0.1', tool_call_id: 't1' }],
      redactions: [[0, [span('IP_ADDRESS', 0, 8)]]],
      expected: [{ role: 'tool', content: '[IP_ADDRESS]', tool_call_id: 't1' }],
    },
    {
      name: 'text parts, keeping other parts and offsets across parts',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'ssn 536-90-4399' },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
            { type: 'text', text: 'and a@b.co' },
          ],
        },
      ],
      redactions: [[0, [span('US_SSN', 4, 15), span('EMAIL_ADDRESS', 20, 26)]]],
      expected: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'ssn [US_SSN]' },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
            { type: 'text', text: 'and [EMAIL_ADDRESS]' },
          ],
        },
      ],
    },
    {
      name: 'only the messages named',
      messages: [
        { role: 'user', content: 'a@b.co' },
        { role: 'assistant', content: 'a@b.co' },
      ],
      redactions: [[0, [span('EMAIL_ADDRESS', 0, 6)]]],
      expected: [
        { role: 'user', content: '[EMAIL_ADDRESS]' },
        { role: 'assistant', content: 'a@b.co' },
      ],
    },
  ] as { name: string; messages: unknown[]; redactions: [number, SignalSpan[]][]; expected: unknown[] }[])(
    'replaces values in $name',
    ({ messages, redactions, expected }) => {
      expect(redact(messages, redactions)).toEqual(expected);
    },
  );

  it('redacts before inserting a system prompt, so indices still refer to the original messages', () => {
    const messages = redact([{ role: 'user', content: 'a@b.co' }], [[0, [span('EMAIL_ADDRESS', 0, 6)]]], {
      systemPrompt: { text: 'be nice', mode: 'insert-if-missing' },
    });
    expect(messages).toEqual([
      { role: 'system', content: 'be nice' },
      { role: 'user', content: '[EMAIL_ADDRESS]' },
    ]);
  });

  it('leaves the messages as they were when there is nothing to redact', () => {
    expect(redact([USER], [])).toEqual([USER]);
    expect(redact([USER], [[3, [span('EMAIL_ADDRESS', 0, 2)]]])).toEqual([USER]);
  });
});

describe('rewriteBody with a reasoning intent', () => {
  function withReasoning(
    family: ReasoningFamily | undefined,
    enabled: boolean,
    extra: Record<string, unknown> = {},
    effort: ReasoningEffort = 'high',
  ) {
    const plan: RoutePlan = { ...emptyPlan(), reasoning: { enabled, effort } };
    const out = rewriteBody({ model: 'm', messages: [USER], ...extra }, 'm', plan, family);
    return JSON.parse(out.toString());
  }

  it.each([
    { family: 'openai', enabled: true, fields: { reasoning_effort: 'high' } },
    { family: 'openai', enabled: false, fields: { reasoning_effort: 'minimal' } },
    { family: 'gpt-oss', enabled: true, fields: { reasoning_effort: 'high' } },
    { family: 'gpt-oss', enabled: false, fields: { reasoning_effort: 'low' } },
    { family: 'qwen3', enabled: true, fields: { chat_template_kwargs: { enable_thinking: true } } },
    { family: 'qwen3', enabled: false, fields: { chat_template_kwargs: { enable_thinking: false } } },
    { family: 'deepseek', enabled: true, fields: { chat_template_kwargs: { thinking: true } } },
    { family: 'deepseek', enabled: false, fields: { chat_template_kwargs: { thinking: false } } },
  ] as { family: ReasoningFamily; enabled: boolean; fields: Record<string, unknown> }[])(
    '$family with enabled: $enabled',
    ({ family, enabled, fields }) => {
      expect(withReasoning(family, enabled, { temperature: 0.2 })).toEqual({
        model: 'm',
        messages: [USER],
        temperature: 0.2,
        ...fields,
      });
    },
  );

  it('passes the effort through', () => {
    expect(withReasoning('openai', true, {}, 'low').reasoning_effort).toBe('low');
    expect(withReasoning('gpt-oss', true, {}, 'medium').reasoning_effort).toBe('medium');
  });

  it('merges into the client’s chat_template_kwargs', () => {
    const kwargs = { add_generation_prompt: true, thinking: true };
    expect(withReasoning('qwen3', false, { chat_template_kwargs: kwargs }).chat_template_kwargs).toEqual({
      add_generation_prompt: true,
      thinking: true,
      enable_thinking: false,
    });
    expect(withReasoning('deepseek', true, { chat_template_kwargs: null }).chat_template_kwargs).toEqual({
      thinking: true,
    });
  });

  it.each([
    { family: 'openai', extra: { reasoning_effort: 'low' } },
    { family: 'gpt-oss', extra: { reasoning_effort: 'high' } },
    { family: 'qwen3', extra: { chat_template_kwargs: { enable_thinking: true } } },
    { family: 'deepseek', extra: { chat_template_kwargs: { thinking: false } } },
    { family: 'qwen3', extra: { chat_template_kwargs: 'not an object' } },
  ] as { family: ReasoningFamily; extra: Record<string, unknown> }[])(
    'keeps what the client set for $family: $extra',
    ({ family, extra }) => {
      expect(withReasoning(family, true, extra)).toEqual({ model: 'm', messages: [USER], ...extra });
      expect(withReasoning(family, false, extra)).toEqual({ model: 'm', messages: [USER], ...extra });
    },
  );

  it('leaves a model without a reasoning family untouched', () => {
    expect(withReasoning(undefined, true)).toEqual({ model: 'm', messages: [USER] });
    expect(withReasoning(undefined, false, { reasoning_effort: 'low' })).toEqual({
      model: 'm',
      messages: [USER],
      reasoning_effort: 'low',
    });
  });

  it('applies alongside a model rewrite and keeps the client’s other fields', () => {
    const plan: RoutePlan = { ...emptyPlan(), reasoning: { enabled: false, effort: 'medium' } };
    const out = rewriteBody({ model: 'auto', messages: [USER], stream: true }, 'qwen', plan, 'qwen3');
    expect(JSON.parse(out?.toString() ?? '{}')).toEqual({
      model: 'qwen',
      messages: [USER],
      stream: true,
      chat_template_kwargs: { enable_thinking: false },
    });
  });
});
