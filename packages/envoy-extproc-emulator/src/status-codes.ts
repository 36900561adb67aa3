/**
 * `envoy.type.v3.StatusCode` arrives by name (the loader decodes enums as strings); this maps it
 * back to the number, reading the enum from Envoy's own proto.
 */
import { loadEnvoyProto } from './envoy-protos.ts';

interface EnumDefinition {
  type: { value: Array<{ name: string; number: number }> };
}

let byName: Map<string, number> | undefined;

function statusCodesByName(): Map<string, number> {
  if (byName) return byName;
  const definition = loadEnvoyProto('envoy/type/v3/http_status.proto');
  const statusEnum = definition['envoy.type.v3.StatusCode'] as unknown as EnumDefinition;
  byName = new Map(statusEnum.type.value.map((entry) => [entry.name, entry.number]));
  return byName;
}

/** The numeric HTTP status of a decoded `HttpStatus.code` (a name, a number, or a numeric string). */
export function statusCodeNumber(code: number | string | undefined): number {
  if (code === undefined) return 0;
  if (typeof code === 'number') return code;
  if (/^\d+$/.test(code)) return Number(code);
  return statusCodesByName().get(code) ?? 0;
}
