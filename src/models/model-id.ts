/**
 * A loaded model's id, `<name>@<first 12 hex digits of its file's sha256>`: the name says what the
 * model is (cards and heads refer to encoders by name), the digest which build of it is loaded.
 */
export function modelId(name: string, sha256: string): string {
  return `${name}@${sha256.slice(0, 12)}`;
}

/** The name part of a model id (the whole id when it has no `@`). */
export function modelName(id: string): string {
  const at = id.lastIndexOf('@');
  return at < 0 ? id : id.slice(0, at);
}
