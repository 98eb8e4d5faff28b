import { coerceId } from './coerce.js';
import { isRecord, typeName } from './coerced.js';
import type { FieldIssue, ProductRow, RoleRow } from './license-rows.js';
import { noteIssue, readText } from './read-column.js';

/** The most products, and the most roles, kept for one license. */
export const MAX_RELATED_ROWS = 10_000;

/** A license's products, one row per product id, in the order the ids first appear. */
export function normalizeProducts(value: unknown, issues: FieldIssue[]): ProductRow[] {
  return normalizeList('products', value, issues, (id, item, index) => ({
    id,
    name: readText(item, 'name', issues, 'products', index),
    status: readText(item, 'status', issues, 'products', index),
  }));
}

/** A license's roles, one row per role id, in the order the ids first appear. */
export function normalizeRoles(value: unknown, issues: FieldIssue[]): RoleRow[] {
  return normalizeList('roles', value, issues, (id, item, index) => ({
    id,
    name: readText(item, 'name', issues, 'roles', index),
  }));
}

/**
 * Items without a usable id are skipped, since a row cannot be stored without its key. An id
 * seen twice keeps the later item, as the vendor's last word, in the earlier one's place.
 */
function normalizeList<Row>(
  list: string,
  value: unknown,
  issues: FieldIssue[],
  toRow: (id: string, item: Record<string, unknown>, index: number) => Row,
): Row[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    noteIssue(issues, list, `expected an array, got ${typeName(value)}`, value);
    return [];
  }
  const items: readonly unknown[] = value;
  if (items.length === 0) return [];
  if (items.length > MAX_RELATED_ROWS) {
    const reason = `has ${items.length} entries; only the first ${MAX_RELATED_ROWS} are kept`;
    noteIssue(issues, list, reason, value);
  }

  // Map.set on a known key replaces the value and keeps the key's place.
  const rows = new Map<string, Row>();
  const count = Math.min(items.length, MAX_RELATED_ROWS);
  for (let index = 0; index < count; index++) {
    const item = items[index];
    if (!isRecord(item)) {
      noteIssue(issues, `${list}[${index}]`, `expected an object, got ${typeName(item)}`, item);
      continue;
    }
    const id = coerceId(item.id);
    if ('issue' in id) {
      noteIssue(issues, `${list}[${index}].id`, id.issue, item.id);
      continue;
    }
    rows.set(id.value, toRow(id.value, item, index));
  }
  return [...rows.values()];
}
