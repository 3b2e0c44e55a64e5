/** A field path inside a resource: object keys and array indexes, as in a JSON pointer. */
export type FieldPath = readonly (string | number)[];

/** `spec.containers[0]["nvidia.com/gpu"]`, the way people write field paths. */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
