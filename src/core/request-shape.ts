// Request shapes: what each field of an API request must be (type, presence, length, range, enum),
// checked at a service's boundary before anything else runs, so a malformed request (a number for a
// string, null for a list — what JSON from a network gives) is refused naming the field and changes
// nothing. Each service words the violations as its AWS counterpart does (kms/, s3/, ebs/
// request-shapes.ts); this module only finds them. A field no shape names is a violation too: a
// typo such as `KeyID` would otherwise be ignored silently.

/** One field that is not what its shape says. `path` runs from the request down (member names, list indexes). */
export interface ShapeViolation {
  path: ReadonlyArray<string | number>;
  value: unknown;
  /** What the field must be, in AWS's validation wording ("Member must not be null", …). */
  constraint: string;
  /** The field carries secret or bulk bytes: a message must not quote its value. */
  sensitive: boolean;
}

type Path = ReadonlyArray<string | number>;

/** A field's shape. `T` is the TypeScript type it admits, so a request type and its shape agree. */
export interface Member<T> {
  readonly optional: boolean;
  readonly sensitive: boolean;
  check(value: unknown, path: Path, out: ShapeViolation[]): void;
  /** Never set: carries `T` for type inference only. */
  readonly type?: T;
}

/** A field that must be present. */
export type RequiredMember<T> = Member<T> & { readonly optional: false };
/** A field that may be absent. */
export type OptionalMember<T> = Member<T | undefined> & { readonly optional: true };

/** A request's shape: a structure whose every field is a Member. */
export type Shape<T> = RequiredMember<T> & { readonly fields: Readonly<Record<string, Member<unknown>>> };

function member<T>(check: Member<T>['check'], sensitive = false): RequiredMember<T> {
  return { optional: false, sensitive, check };
}

const violation = (out: ShapeViolation[], path: Path, value: unknown, constraint: string, sensitive = false) =>
  void out.push({ path, value, constraint, sensitive });

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Date);

/** True for Uint8Arrays (and Buffers), including ones from another realm. */
export const isByteArray = (value: unknown): value is Uint8Array =>
  value instanceof Uint8Array || (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]');

function checkLength(out: ShapeViolation[], path: Path, value: unknown, length: number, min: number | undefined, max: number | undefined,
  sensitive = false): boolean {
  if (min !== undefined && length < min) return violation(out, path, value, `Member must have length greater than or equal to ${min}`, sensitive), false;
  if (max !== undefined && length > max) return violation(out, path, value, `Member must have length less than or equal to ${max}`, sensitive), false;
  return true;
}

/** The field may be absent (undefined); null is not absent, as a JSON null is not an omitted member. */
export function optional<T>(shape: RequiredMember<T>): OptionalMember<T> {
  return { ...shape, optional: true };
}

export function string(options: { min?: number; max?: number; pattern?: RegExp; sensitive?: boolean } = {}): RequiredMember<string> {
  return member((value, path, out) => {
    if (typeof value !== 'string') return violation(out, path, value, 'Member must be a string', options.sensitive);
    if (!checkLength(out, path, value, value.length, options.min, options.max, options.sensitive)) return;
    if (options.pattern && !options.pattern.test(value)) {
      violation(out, path, value, `Member must satisfy regular expression pattern: ${options.pattern.source}`, options.sensitive);
    }
  }, options.sensitive);
}

export function oneOf<const V extends string>(values: readonly V[]): RequiredMember<V> {
  return member((value, path, out) => {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      violation(out, path, value, `Member must satisfy enum value set: [${values.join(', ')}]`);
    }
  });
}

export function integer(min: number, max: number): RequiredMember<number> {
  return member((value, path, out) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return violation(out, path, value, 'Member must be an integer');
    if (value < min) violation(out, path, value, `Member must have value greater than or equal to ${min}`);
    else if (value > max) violation(out, path, value, `Member must have value less than or equal to ${max}`);
  });
}

export function boolean(): RequiredMember<boolean> {
  return member((value, path, out) => {
    if (typeof value !== 'boolean') violation(out, path, value, 'Member must be a boolean');
  });
}

export function date(): RequiredMember<Date> {
  return member((value, path, out) => {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) violation(out, path, value, 'Member must be a valid Date');
  });
}

/** Bytes (Uint8Array or Buffer); never quoted in a message. */
export function bytes(options: { min?: number; max?: number } = {}): RequiredMember<Uint8Array> {
  return member((value, path, out) => {
    if (!isByteArray(value)) return violation(out, path, value, 'Member must be a Uint8Array', true);
    checkLength(out, path, value, value.length, options.min, options.max, true);
  }, true);
}

/** Any value a field admits as is (checked further by the operation, e.g. a streaming body). */
export function custom<T>(accepts: (value: unknown) => value is T, constraint: string, sensitive = true): RequiredMember<T> {
  return member((value, path, out) => {
    if (!accepts(value)) violation(out, path, value, constraint, sensitive);
  }, sensitive);
}

export function list<T>(item: Member<T>, options: { min?: number; max?: number } = {}): RequiredMember<T[]> {
  return member((value, path, out) => {
    if (!Array.isArray(value)) return violation(out, path, value, 'Member must be a list', item.sensitive);
    if (!checkLength(out, path, value, value.length, options.min, options.max, item.sensitive)) return;
    value.forEach((entry: unknown, i) => {
      if (entry === undefined || entry === null) violation(out, [...path, i], entry, 'Member must not be null');
      else item.check(entry, [...path, i], out);
    });
  }, item.sensitive);
}

/** An object of string keys and string values (an encryption context, S3 metadata). */
export function stringMap(options: { minKey?: number } = {}): RequiredMember<Record<string, string>> {
  return member((value, path, out) => {
    if (!isPlainObject(value)) return violation(out, path, value, 'Member must be a map of strings to strings');
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== 'string') violation(out, [...path, key], entry, 'Member must be a string');
      else if (options.minKey !== undefined && key.length < options.minKey) {
        violation(out, path, value, `Member must have keys of length greater than or equal to ${options.minKey}`);
      }
    }
  });
}

/** Each field of T has a shape of its type, optional exactly where T's field is. */
type Fields<T> = { [K in keyof T]-?: undefined extends T[K] ? OptionalMember<Exclude<T[K], undefined>> : RequiredMember<T[K]> };

/**
 * A structure with exactly these fields: each is checked, a required one must be present, and a
 * field not named here is refused. `name` (e.g. "CreateKeyRequest") words that refusal.
 */
export function structure<T>(name: string, fields: Fields<T>): Shape<T> {
  const known = fields as unknown as Record<string, Member<unknown>>;
  // Listed once, each with its path from a request at the top (every request is checked at least once):
  // checking a request then allocates nothing unless it has violations.
  const members = Object.entries(known).map(([field, shape]) => ({ field, shape, atTop: [field] as Path }));
  return {
    optional: false,
    sensitive: false,
    fields: known,
    check(value, path, out) {
      if (!isPlainObject(value)) return violation(out, path, value, 'Member must be a structure');
      for (const { field, shape, atTop } of members) {
        const entry = value[field];
        if (entry === undefined) {
          if (!shape.optional) violation(out, [...path, field], entry, 'Member must not be null');
        } else if (entry === null) {
          violation(out, [...path, field], entry, 'Member must not be null');
        } else {
          shape.check(entry, path.length === 0 ? atTop : [...path, field], out);
        }
      }
      // An unknown field set to undefined is as good as absent (spreading an object copies such fields).
      for (const field in value) {
        if (Object.hasOwn(value, field) && !Object.hasOwn(known, field) && value[field] !== undefined) {
          violation(out, [...path, field], value[field], `Member must be a field of ${name}`, true);
        }
      }
    },
  };
}

/** The violations of `value` against `shape`; empty when it conforms. */
export function violationsOf(shape: Member<unknown>, value: unknown): ShapeViolation[] {
  const out: ShapeViolation[] = [];
  shape.check(value, [], out);
  return out;
}
