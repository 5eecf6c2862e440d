// Portable values: the same JS values go in and come out of SQLite and PostgreSQL.
// The conventions (see README.md): booleans are integer 0/1, timestamps ISO-8601 UTC text,
// JSON is text. This plugin makes the writing side automatic; the helpers cover reading.
import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/** A value as it is stored: true/false → 1/0 and Date → ISO string; anything else unchanged. */
export function toDbValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

class PortableValuesTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = toDbValue(node.value);
    return value === node.value ? node : { ...node, value };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    const values = node.values.map(toDbValue);
    return values.every((v, i) => v === node.values[i]) ? node : { ...node, values };
  }
}

/**
 * Rewrites every bound or literal value in a query (including `defaultTo(...)` in the schema
 * builder): booleans become 0/1 — node:sqlite would bind them as 1/0 anyway, but pg would send
 * 'true' into an integer column and fail — and Dates become ISO strings (node:sqlite cannot bind a
 * Date; pg would send local-time text). So `where('enabled', '=', true)` and
 * `values({ created_at: new Date() })` mean the same on both engines.
 */
export class PortableValuesPlugin implements KyselyPlugin {
  readonly #transformer = new PortableValuesTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** Reads a 0/1 boolean column (also accepts a real boolean); NULL reads as false. */
export function fromDbBool(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  return value === true || value === 1 || value === '1' || value === 1n;
}

/** Serialises a value for a JSON text column (null stays SQL NULL). */
export function toDbJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** Parses a JSON text column; NULL → null. */
export function fromDbJson<T = unknown>(text: unknown): T | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string') throw new TypeError(`Expected JSON text, got ${typeof text}`);
  return JSON.parse(text) as T;
}

/** The timestamp format stored in text columns: ISO-8601 UTC with milliseconds, sortable as text. */
export function toDbTime(date: Date): string {
  return date.toISOString();
}

/** Reads a timestamp text column; NULL → null. */
export function fromDbTime(text: unknown): Date | null {
  if (text === null || text === undefined) return null;
  const date = new Date(String(text));
  if (Number.isNaN(date.getTime())) throw new TypeError(`Not a timestamp: ${String(text)}`);
  return date;
}
