import { existsSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { type Embedder, normalize } from '../embedder.ts';
import { fileSha256, ModelLoadError } from '../model-files.ts';
import { modelId } from '../model-id.ts';
import { loadOnnxSession, type OnnxFeed, type OnnxOutput, type OnnxSession } from '../onnx/onnx-session.ts';
import { loadTextTokenizer, type TextTokenizer, type TokenizedText } from './text-tokenizer.ts';

/** How token vectors become one sentence vector when the model does not pool them itself. */
export type TokenPooling = 'mean' | 'cls';

export interface TransformerEncoderOptions {
  /** An ONNX sentence encoder (BERT, MiniLM, ModernBERT… exports). */
  model: string;
  /** The model's Hugging Face `tokenizer.json`. */
  tokenizer: string;
  /** `mean` (default): mean of the unpadded token vectors; `cls`: the first token's vector. */
  pooling?: TokenPooling | undefined;
  /** Tokens per text including special tokens; longer texts are truncated. Default 256. */
  maxTokens?: number | undefined;
  /** Names the model in `id`; the model file's stem by default. */
  name?: string | undefined;
}

/** The inputs this encoder knows how to feed; every input a model declares must be one of them. */
const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
/** Texts per onnxruntime run; bounds the padded batch a long list of texts would allocate. */
const BATCH_SIZE = 32;

/** Where the sentence vector comes from: a pooled 2-D output, or a pooling of a 3-D token output. */
type OutputPlan = { output: string; pooling: TokenPooling | 'model'; dimensions: number };

function feeds(
  inputNames: readonly string[],
  rows: readonly TokenizedText[],
  padId: number,
): Record<string, OnnxFeed> {
  const width = Math.max(1, ...rows.map((row) => row.ids.length));
  const dims = [rows.length, width];
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * width);
  const types = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) => {
    row.ids.forEach((id, t) => {
      ids[r * width + t] = BigInt(id);
      mask[r * width + t] = 1n;
      types[r * width + t] = BigInt(row.typeIds[t] ?? 0);
    });
  });
  const all: Record<string, OnnxFeed> = {
    input_ids: { type: 'int64', data: ids, dims },
    attention_mask: { type: 'int64', data: mask, dims },
    token_type_ids: { type: 'int64', data: types, dims },
  };
  return Object.fromEntries(inputNames.map((name) => [name, all[name] as OnnxFeed]));
}

/** Mask-aware mean (or first-token) pooling of row `r` of a [batch, tokens, hidden] output. */
function poolTokens(output: OnnxOutput, r: number, tokens: number, pooling: TokenPooling): Float32Array {
  const [, width = 0, hidden = 0] = output.dims;
  const start = r * width * hidden;
  if (pooling === 'cls') return output.data.slice(start, start + hidden);
  const sum = new Float32Array(hidden);
  for (let t = 0; t < tokens; t++)
    for (let d = 0; d < hidden; d++)
      sum[d] = (sum[d] as number) + (output.data[start + t * hidden + d] as number);
  for (let d = 0; d < hidden; d++) sum[d] = (sum[d] as number) / Math.max(1, tokens);
  return sum;
}

/**
 * Chooses the output to read from a probe run: `sentence_embedding` when the model has it, else
 * the first 3-D output (`last_hidden_state`, `token_embeddings`) pooled as asked, else the first
 * other 2-D output (e.g. a lone `pooler_output`). Outputs that are not float32 are skipped.
 */
async function planOutput(
  session: OnnxSession,
  probe: Record<string, OnnxFeed>,
  file: string,
  pooling: TokenPooling,
): Promise<OutputPlan> {
  const ranks = new Map<string, readonly number[]>();
  const problems: string[] = [];
  for (const name of session.outputNames) {
    try {
      const output = (await session.runWithDims(probe, [name]))[name];
      if (output) ranks.set(name, output.dims);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const rankOf = (name: string) => ranks.get(name)?.length;
  const dimensionsOf = (name: string) => ranks.get(name)?.at(-1) ?? 0;
  if (rankOf('sentence_embedding') === 2)
    return { output: 'sentence_embedding', pooling: 'model', dimensions: dimensionsOf('sentence_embedding') };
  const tokens = [...ranks.keys()].find((name) => rankOf(name) === 3);
  if (tokens) return { output: tokens, pooling, dimensions: dimensionsOf(tokens) };
  const pooled = [...ranks.keys()].find((name) => rankOf(name) === 2);
  if (pooled) return { output: pooled, pooling: 'model', dimensions: dimensionsOf(pooled) };
  const found = [...ranks].map(([name, dims]) => `${name} [${dims.join(', ')}]`);
  throw new ModelLoadError(
    file,
    `no output to pool: need a float32 [batch, hidden] or [batch, tokens, hidden] output; ` +
      `found ${[...found, ...problems].join('; ') || 'none'}`,
  );
}

function checkInputs(session: OnnxSession, file: string): void {
  const unknown = session.inputNames.filter((name) => !(KNOWN_INPUTS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new ModelLoadError(
      file,
      `requires input ${unknown.map((name) => JSON.stringify(name)).join(', ')}; ` +
        `only ${KNOWN_INPUTS.join(', ')} can be fed`,
    );
  if (!session.inputNames.includes('input_ids')) throw new ModelLoadError(file, 'has no input_ids input');
}

/**
 * Any ONNX transformer sentence encoder with a Hugging Face tokenizer: texts are tokenized with
 * the tokenizer's special tokens, truncated to `maxTokens`, padded into one batch (the mask keeps
 * padding out of attention and pooling, so a text embeds the same alone or in any batch), run
 * through the model and L2-normalised. `id` is `<name>@<first 12 hex of the model's SHA-256>`.
 */
export class TransformerEncoder implements Embedder {
  private constructor(
    readonly id: string,
    readonly dimensions: number,
    /** What the vectors are: the model's own pooled output (`model`) or a pooling of its token vectors. */
    readonly pooling: TokenPooling | 'model',
    /** The model output the vectors are read from. */
    readonly output: string,
    readonly maxTokens: number,
    private readonly session: OnnxSession,
    private readonly tokenizer: TextTokenizer,
  ) {}

  /**
   * Loads the model and tokenizer and runs one probe text to find the output and its width.
   * Throws a ModelLoadError for a missing or corrupt file, a tokenizer.json that does not parse,
   * a required input other than input_ids / attention_mask / token_type_ids, or no poolable output.
   */
  static async load(options: TransformerEncoderOptions): Promise<TransformerEncoder> {
    const maxTokens = options.maxTokens ?? 256;
    if (!Number.isInteger(maxTokens) || maxTokens < 1)
      throw new RangeError(`maxTokens must be a positive integer`);
    if (!existsSync(options.model)) throw new ModelLoadError(options.model, 'not found');
    const tokenizer = loadTextTokenizer(options.tokenizer);
    const session = await loadOnnxSession(options.model);
    checkInputs(session, options.model);
    const probe = feeds(session.inputNames, [tokenizer.encode('probe', maxTokens)], tokenizer.padId);
    const plan = await planOutput(session, probe, options.model, options.pooling ?? 'mean');
    const name = options.name ?? basename(options.model, extname(options.model));
    const id = modelId(name, fileSha256(options.model));
    return new TransformerEncoder(
      id,
      plan.dimensions,
      plan.pooling,
      plan.output,
      maxTokens,
      session,
      tokenizer,
    );
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += BATCH_SIZE) {
      const rows = texts
        .slice(start, start + BATCH_SIZE)
        .map((text) => this.tokenizer.encode(text, this.maxTokens));
      const result = await this.session.runWithDims(
        feeds(this.session.inputNames, rows, this.tokenizer.padId),
        [this.output],
      );
      const output = result[this.output];
      if (!output) throw new Error(`${this.id}: the model returned no ${this.output} output`);
      rows.forEach((row, r) => {
        const vector =
          this.pooling === 'model'
            ? output.data.slice(r * this.dimensions, (r + 1) * this.dimensions)
            : poolTokens(output, r, row.ids.length, this.pooling);
        vectors.push(normalize(vector));
      });
    }
    return vectors;
  }
}
