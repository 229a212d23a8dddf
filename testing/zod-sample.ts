import { randomUUID } from "node:crypto";

/**
 * Builds a value that a zod (v4) schema accepts, from the schema's own definition: how the
 * isolation suite calls every procedure without knowing it. Every uuid field is a "slot" whose
 * value the caller chooses (another show's id, a random one, …).
 */
type Check = {
  _zod: {
    def: {
      check: string;
      minimum?: number;
      maximum?: number;
      value?: unknown;
      inclusive?: boolean;
      format?: string;
    };
  };
};
type Def = {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  element?: Schema;
  options?: Schema[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  in?: Schema;
  format?: string;
  checks?: Check[];
  keyType?: Schema;
  valueType?: Schema;
  items?: Schema[];
};
export type Schema = {
  _zod: { def: Def };
  safeParse: (value: unknown) => { success: boolean; error?: unknown };
};

/** A uuid field: where it sits in the input, its key, and whether it may be left out or null. */
export type Slot = { path: string; key: string; omittable: boolean; nullable: boolean };
type Flags = { omittable: boolean; nullable: boolean };
const REQUIRED: Flags = { omittable: false, nullable: false };

export type SampleOptions = {
  /** The value of a uuid field; undefined leaves an omittable field out. */
  uuid: (slot: Slot) => string | null | undefined;
  /** A value for a field the generic rules cannot satisfy (a regex, say); undefined = generic. */
  hint?: (key: string, path: string) => unknown;
};

function checksOf(def: Def, name: string) {
  return (def.checks ?? []).map((c) => c._zod.def).filter((c) => c.check === name);
}

function isUuid(def: Def): boolean {
  if (def.format === "uuid" || def.format === "guid") return true;
  return checksOf(def, "string_format").some((c) => c.format === "uuid" || c.format === "guid");
}

function stringFormat(def: Def): string | undefined {
  return def.format ?? checksOf(def, "string_format")[0]?.format;
}

export function sample(
  schema: Schema,
  options: SampleOptions,
  key = "",
  path = "",
  flags = REQUIRED,
): unknown {
  const def = schema._zod.def;
  const hinted = options.hint?.(key, path);
  if (hinted !== undefined) return hinted;
  switch (def.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(def.shape ?? {})) {
        const value = sample(s, options, k, path ? `${path}.${k}` : k, REQUIRED);
        if (value !== undefined) out[k] = value;
      }
      return out;
    }
    case "optional":
    case "default":
    case "prefault":
    case "catch":
      return sample(def.innerType!, options, key, path, { ...flags, omittable: true });
    case "nullable":
      return sample(def.innerType!, options, key, path, { ...flags, nullable: true });
    case "nonoptional":
      return sample(def.innerType!, options, key, path, { ...flags, omittable: false });
    case "readonly":
      return sample(def.innerType!, options, key, path, flags);
    case "pipe":
      return sample(def.in!, options, key, path, flags);
    case "lazy":
      throw new Error(`cannot sample a lazy schema at ${path}`);
    case "string": {
      if (isUuid(def)) return options.uuid({ path, key, ...flags });
      const format = stringFormat(def);
      if (format === "email") return "nobody-isolation-probe@shotboard.test";
      if (format === "url") return "https://example.test/probe";
      if (format === "datetime") return new Date().toISOString();
      if (format === "date") return new Date().toISOString().slice(0, 10);
      const min = checksOf(def, "min_length")[0]?.minimum ?? 1;
      const max = checksOf(def, "max_length")[0]?.maximum ?? 64;
      const length = Math.min(Math.max(min, 5), max);
      return "probe".padEnd(length, "x").slice(0, length);
    }
    case "number":
    case "int": {
      const lower = checksOf(def, "greater_than")[0];
      const upper = checksOf(def, "less_than")[0];
      let n = 1;
      if (lower && typeof lower.value === "number")
        n = Math.max(n, lower.inclusive ? lower.value : lower.value + 1);
      if (upper && typeof upper.value === "number")
        n = Math.min(n, upper.inclusive ? upper.value : upper.value - 1);
      return n;
    }
    case "bigint":
      return 1n;
    case "boolean":
      return true;
    case "date":
      return new Date(Date.now() + 7 * 86_400_000);
    case "enum":
      return Object.values(def.entries ?? {})[0];
    case "literal":
      return def.values?.[0];
    case "array": {
      const min = checksOf(def, "min_length")[0]?.minimum ?? 1;
      return Array.from({ length: Math.max(1, min) }, (_, i) =>
        sample(def.element!, options, key, `${path}[${i}]`, REQUIRED),
      );
    }
    case "tuple":
      return (def.items ?? []).map((s, i) => sample(s, options, key, `${path}[${i}]`, REQUIRED));
    case "union":
      return sample(def.options![0]!, options, key, path, flags);
    case "record":
      return {};
    case "null":
      return null;
    case "undefined":
    case "void":
      return undefined;
    case "any":
    case "unknown":
      return null;
    default:
      throw new Error(`cannot sample zod type "${def.type}" at ${path || "(root)"}`);
  }
}

/** The uuid slots of a schema, in order. */
export function slotsOf(schema: Schema, hint?: SampleOptions["hint"]): Slot[] {
  const slots: Slot[] = [];
  sample(schema, {
    hint,
    uuid: (slot) => {
      slots.push(slot);
      return randomUUID();
    },
  });
  return slots;
}
