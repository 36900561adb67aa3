import { statSync } from 'node:fs';
import type { Embedder } from './embedder.ts';
import type { TextClassifier } from './heads/text-classifier.ts';

/** Where a model stands: still loading, ready to use, or failed for good (until its file changes). */
export type ModelState = 'loading' | 'ready' | 'failed';

/**
 * A model that is loading or loaded. `get()` resolves to the model, or rejects with the load error
 * every time it is called, so a signal built on a missing model fails (and is counted) per request
 * while the rest of the policy keeps serving.
 */
export interface ModelHandle<T> {
  /** What the model is, for logs: e.g. `encoder glove-sif-100d` or `classifier models/domain`. */
  readonly description: string;
  get(): Promise<T>;
  state(): ModelState;
  /** The load error, once failed. */
  error(): Error | undefined;
}

type ModelKind = 'encoder' | 'classifier';

/** How the library loads each kind of model; tests pass fakes. */
export interface ModelLoaders {
  staticEncoder(): Promise<Embedder>;
  transformerEncoder(options: TransformerEncoderOptions): Promise<Embedder>;
  classifier(directory: string): Promise<TextClassifier>;
}

/** A user-provided ONNX sentence encoder with its Hugging Face `tokenizer.json` (absolute paths). */
export interface TransformerEncoderOptions {
  model: string;
  tokenizer: string;
  pooling: 'mean' | 'cls';
  maxTokens: number;
  name?: string | undefined;
}

class LoadingModel<T> implements ModelHandle<T> {
  #state: ModelState = 'loading';
  #error: Error | undefined;
  readonly #promise: Promise<T>;

  constructor(
    readonly description: string,
    load: () => Promise<T>,
  ) {
    this.#promise = Promise.resolve()
      .then(load)
      .then(
        (model) => {
          this.#state = 'ready';
          return model;
        },
        (error: unknown) => {
          this.#state = 'failed';
          this.#error = error instanceof Error ? error : new Error(String(error));
          throw this.#error;
        },
      );
    // Failures are reported through state() and every get(); never as an unhandled rejection.
    this.#promise.catch(() => {});
  }

  get(): Promise<T> {
    return this.#promise;
  }
  state(): ModelState {
    return this.#state;
  }
  error(): Error | undefined {
    return this.#error;
  }
}

/** Identifies a file's current content cheaply: a retrained or rebuilt model gets a new handle. */
function fileVersion(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Loads each model once per process and hands out shared handles, so a policy reload that names
 * the same files reuses the loaded models. A model whose files changed since (loaded or failed) is
 * loaded anew on the next request for it, and only the current version is kept.
 */
export class ModelLibrary {
  /** By model (its files and options), the handle of the files' current version. */
  readonly #handles = new Map<string, { version: string; kind: ModelKind; handle: ModelHandle<unknown> }>();

  constructor(private readonly loaders: ModelLoaders) {}

  /** The embedded static encoder (built at install or first start). */
  staticEncoder(): ModelHandle<Embedder> {
    return this.#handle('encoder', 'static-encoder', '', 'encoder glove-sif-100d (embedded)', () =>
      this.loaders.staticEncoder(),
    );
  }

  transformerEncoder(options: TransformerEncoderOptions): ModelHandle<Embedder> {
    const version = `${fileVersion(options.model)}:${fileVersion(options.tokenizer)}`;
    return this.#handle(
      'encoder',
      `transformer:${JSON.stringify(options)}`,
      version,
      `encoder ${options.model}`,
      () => this.loaders.transformerEncoder(options),
    );
  }

  /** A trained head in `directory` (its `head.onnx` and `card.json`). */
  classifier(directory: string): ModelHandle<TextClassifier> {
    const version = `${fileVersion(`${directory}/head.onnx`)}:${fileVersion(`${directory}/card.json`)}`;
    return this.#handle('classifier', `classifier:${directory}`, version, `classifier ${directory}`, () =>
      this.loaders.classifier(directory),
    );
  }

  /** Every model asked for so far. */
  handles(): ModelHandle<unknown>[] {
    return [...this.#handles.values()].map((entry) => entry.handle);
  }

  /** The encoders and heads loaded so far (current versions only; loading and failed ones are left out). */
  async ready(): Promise<{ encoders: Embedder[]; classifiers: TextClassifier[] }> {
    const loaded = [...this.#handles.values()].filter((entry) => entry.handle.state() === 'ready');
    const of = async <T>(kind: ModelKind) =>
      Promise.all(
        loaded.filter((entry) => entry.kind === kind).map((entry) => entry.handle.get() as Promise<T>),
      );
    return { encoders: await of<Embedder>('encoder'), classifiers: await of<TextClassifier>('classifier') };
  }

  /**
   * Waits until every model asked for so far, and any asked for meanwhile (a head's encoder is
   * asked for once the head is read), has loaded or failed; returns the failed ones.
   */
  async settled(): Promise<ModelHandle<unknown>[]> {
    let handles: ModelHandle<unknown>[];
    do {
      handles = this.handles();
      await Promise.allSettled(handles.map((handle) => handle.get()));
    } while (this.handles().some((handle) => !handles.includes(handle)));
    return handles.filter((handle) => handle.state() === 'failed');
  }

  /**
   * The handle of a model's current files. A new version replaces the old handle, so a retrained
   * model is loaded anew and the old one is released once no policy holds it.
   */
  #handle<T>(
    kind: ModelKind,
    key: string,
    version: string,
    description: string,
    load: () => Promise<T>,
  ): ModelHandle<T> {
    const entry = this.#handles.get(key);
    if (entry?.version === version) return entry.handle as ModelHandle<T>;
    const handle = new LoadingModel(description, load);
    this.#handles.set(key, { version, kind, handle });
    return handle;
  }
}
