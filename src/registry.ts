import { cacheStage } from './cache/cache-stage.ts';
import { headersPlugin } from './plugins/headers.ts';
import { piiPlugin } from './plugins/pii.ts';
import { reasoningPlugin } from './plugins/reasoning.ts';
import { rejectPlugin } from './plugins/reject.ts';
import { systemPromptPlugin } from './plugins/system-prompt.ts';
import type { Registry } from './policy/registry.ts';
import { banditSelection } from './selection/bandit-selection.ts';
import { costAwareSelection } from './selection/cost-aware-selection.ts';
import { staticSelection } from './selection/static-selection.ts';
import { contextLengthSignal } from './signals/context-length.ts';
import { domainSignal } from './signals/domain.ts';
import { embeddingSignal } from './signals/embedding.ts';
import { headerSignal } from './signals/header.ts';
import { jailbreakSignal } from './signals/jailbreak.ts';
import { keywordSignal } from './signals/keyword.ts';
import { languageSignal } from './signals/language.ts';
import { piiSignal } from './signals/pii.ts';
import { requestedModelSignal } from './signals/requested-model.ts';

/**
 * Every signal type, plugin type and selection method the router ships. Adding one is one import and
 * one list entry.
 */
export const builtinRegistry: Registry = {
  signals: [
    keywordSignal,
    contextLengthSignal,
    headerSignal,
    requestedModelSignal,
    piiSignal,
    languageSignal,
    embeddingSignal,
    domainSignal,
    jailbreakSignal,
  ],
  plugins: [systemPromptPlugin, headersPlugin, rejectPlugin, piiPlugin, reasoningPlugin],
  selections: [staticSelection, costAwareSelection, banditSelection],
  stages: [cacheStage],
};
